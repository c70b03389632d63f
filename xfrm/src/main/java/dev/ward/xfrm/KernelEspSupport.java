package dev.ward.xfrm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Whether the running kernel can carry ESP with AES-GCM, read from its symbol table rather than by trying:
 * the lab uses this to decide between the host kernel and a user-mode Linux guest.
 */
public record KernelEspSupport(boolean esp, boolean aesGcm) {
    private static final Path KALLSYMS = Path.of("/proc/kallsyms");

    public boolean sufficient() {
        return esp && aesGcm;
    }

    public static KernelEspSupport ofRunningKernel() {
        try (Stream<String> lines = Files.lines(KALLSYMS)) {
            return fromSymbols(lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + KALLSYMS, e);
        }
    }

    /** esp4's input handler and the rfc4106 template's constructor, built in or from a loaded module. */
    static KernelEspSupport fromSymbols(Stream<String> kallsyms) {
        boolean[] found = new boolean[2];
        kallsyms.forEach(line -> {
            String[] f = line.split("\\s+", 4);
            if (f.length < 3) return;
            if (f[2].equals("esp_input")) found[0] = true;
            if (f[2].equals("crypto_rfc4106_create")) found[1] = true;
        });
        return new KernelEspSupport(found[0], found[1]);
    }

    public String describe() {
        if (sufficient()) return "kernel has ESP and rfc4106(gcm(aes))";
        return "kernel lacks " + (esp ? "" : "ESP (esp4)") + (!esp && !aesGcm ? " and " : "") + (aesGcm ? "" : "rfc4106(gcm(aes))");
    }
}

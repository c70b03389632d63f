package dev.ward.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system's {@code openssl} as an independent verifier of what Ward issues: tests hand it PEM text and
 * get its verdict, so a certificate Ward's own code accepts is also checked by code Ward did not write.
 */
public final class OpenSsl {
    /** openssl's exit code and combined output. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private OpenSsl() {}

    /**
     * {@code openssl verify -x509_strict -CAfile bundle [-crl_check_all -CRLfile crl] chain}: the leaf is the first
     * certificate of {@code chainPem}; any further certificates are offered as untrusted intermediates.
     */
    public static Result verify(String chainPem, String bundlePem, String crlPem) throws IOException {
        return inTempDir(dir -> {
            List<String> certs = splitCertificates(chainPem);
            Path leaf = write(dir, "leaf.pem", certs.getFirst());
            Path bundle = write(dir, "bundle.pem", bundlePem);
            List<String> cmd = new ArrayList<>(List.of("openssl", "verify", "-x509_strict", "-CAfile", bundle.toString()));
            if (certs.size() > 1) {
                cmd.addAll(List.of("-untrusted", write(dir, "chain.pem", String.join("", certs.subList(1, certs.size()))).toString()));
            }
            if (crlPem != null) {
                cmd.addAll(List.of("-crl_check_all", "-CRLfile", write(dir, "crl.pem", crlPem).toString()));
            }
            cmd.add(leaf.toString());
            return run(cmd);
        });
    }

    /** {@code openssl x509 -noout -text} of one certificate, for assertions on fields as openssl reads them. */
    public static Result text(String certPem) throws IOException {
        return inTempDir(dir -> run(List.of("openssl", "x509", "-noout", "-text", "-in", write(dir, "cert.pem", certPem).toString())));
    }

    /** {@code openssl crl -noout -text} of CRLs, for assertions on the revoked serials openssl sees. */
    public static Result crlText(String crlPem) throws IOException {
        return inTempDir(dir -> run(List.of("openssl", "crl", "-noout", "-text", "-in", write(dir, "crl.pem", crlPem).toString())));
    }

    private interface InDir {
        Result run(Path dir) throws IOException;
    }

    /** openssl reads files: each call gets its own directory, removed afterwards. */
    private static Result inTempDir(InDir action) throws IOException {
        Path dir = Files.createTempDirectory("ward-openssl-");
        try {
            return action.run(dir);
        } finally {
            EtcdProcess.deleteTree(dir);
        }
    }

    private static List<String> splitCertificates(String pem) {
        List<String> out = new ArrayList<>();
        String end = "-----END CERTIFICATE-----";
        int from = 0;
        int i;
        while ((i = pem.indexOf(end, from)) >= 0) {
            out.add(pem.substring(from, i + end.length()).strip() + "\n");
            from = i + end.length();
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no certificate in the chain PEM");
        return out;
    }

    private static Path write(Path dir, String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.US_ASCII);
    }

    private static Result run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl did not finish: " + cmd);
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running openssl", e);
        }
    }
}

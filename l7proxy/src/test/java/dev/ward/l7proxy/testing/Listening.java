package dev.ward.l7proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Waits for a server to listen, reading the socket table of its namespace (ss), not by connecting to it. */
public final class Listening {
    private Listening() {}

    public static void await(TransparentLab lab, String namespace, String ip, int port, Path log) throws IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            TransparentLab.Exec e = lab.exec(namespace, "ss", "-Hltn", "src", ip + ":" + port);
            if (e.exitCode() == 0 && e.output().contains(":" + port)) return;
            try {
                Thread.sleep(100);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", ex);
            }
        }
        String tail = log != null && Files.exists(log) ? Files.readString(log) : "(no log)";
        throw new IOException("nothing listens on " + ip + ":" + port + " in " + namespace + " after 60 s: " + tail);
    }
}

package dev.ward.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the L7 tests and the lab run in pods' network namespaces: an nginx that answers every request with what it
 * saw (so a test sees which client address reached the server), curl, and the namespace's socket table.
 */
public final class NamespaceServers {
    private NamespaceServers() {}

    /** What a command printed (stdout and stderr) and its exit code. */
    public record Run(int exit, String output) {}

    /**
     * Writes an nginx configuration under {@code dir} for {@code ip:port}: every location answers
     * {@code landed <client address> <method> <uri>}, and {@code dir/access.log} gets
     * {@code <client address> <method> <uri> <status>} per request. Returns the command that runs it in the foreground.
     */
    public static List<String> landingNginx(Path dir, String ip, int port) throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        Files.writeString(dir.resolve("nginx.conf"), """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 256; }
                http {
                  log_format ward '$remote_addr $request_method $request_uri $status';
                  access_log %1$s/access.log ward;
                  client_body_temp_path %1$s/tmp/body;
                  proxy_temp_path %1$s/tmp/proxy;
                  fastcgi_temp_path %1$s/tmp/fastcgi;
                  uwsgi_temp_path %1$s/tmp/uwsgi;
                  scgi_temp_path %1$s/tmp/scgi;
                  server {
                    listen %2$s:%3$d;
                    location / { return 200 "landed $remote_addr $request_method $uri\\n"; }
                  }
                }
                """.formatted(dir, ip, port));
        return List.of("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(), "-e", dir.resolve("error.log").toString());
    }

    /** curl in {@code netns} with {@code args}: prints the body, then {@code |STATUS CONNECTIONS_OPENED}. */
    public static Run curl(String netns, int maxSeconds, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns, "curl", "-s", "--max-time", Integer.toString(maxSeconds),
                "-w", "|%{http_code} %{num_connects}\\n"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** Whether something listens on TCP {@code port} in {@code netns}, from its socket table (no connection is made). */
    public static boolean listening(String netns, int port) {
        return run(List.of("ip", "netns", "exec", netns, "ss", "-Hltn", "sport", "= :" + port)).output().contains(":" + port);
    }

    public static Run run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return new Run(p.waitFor(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

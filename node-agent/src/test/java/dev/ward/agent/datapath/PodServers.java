package dev.ward.agent.datapath;

import dev.ward.bpf.lab.Pod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real servers and clients in pods' namespaces: Debian's nginx and memcached, curl. Servers are stopped on close.
 */
final class PodServers implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();

    /** The outcome of a command: its exit code and output. */
    record Run(int exit, String output) {}

    /**
     * nginx on {@code pod}'s address and {@code port}; every location answers {@code landed <client address> <method>
     * <uri>}, so a test sees which address the server saw. Its access log is {@code dir/access.log}.
     */
    void nginx(Pod pod, int port, Path dir) throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        String conf = """
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
                """.formatted(dir, pod.ipv4().getHostAddress(), port);
        Files.writeString(dir.resolve("nginx.conf"), conf);
        start(pod, List.of("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(), "-e", dir.resolve("error.log").toString()),
                dir.resolve("stdout.log"));
        awaitListening(pod, port, dir.resolve("error.log"));
    }

    /** memcached on {@code pod}'s address and {@code port} (TCP only). */
    void memcached(Pod pod, int port, Path log) throws IOException {
        start(pod, List.of("memcached", "-u", "root", "-l", pod.ipv4().getHostAddress(), "-p", Integer.toString(port), "-U", "0", "-m", "16"), log);
        awaitListening(pod, port, log);
    }

    /** curl in {@code pod} with {@code args}; prints the body then the status and the connections it opened. */
    static Run curl(Pod pod, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns(), "curl", "-s", "--max-time", "5",
                "-w", "|%{http_code} %{num_connects}\\n"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private void start(Pod pod, List<String> command, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        cmd.addAll(command);
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    private static void awaitListening(Pod pod, int port, Path log) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Run r = run(List.of("ip", "netns", "exec", pod.netns(), "ss", "-Hltn", "sport", "= :" + port));
            if (r.exit() == 0 && r.output().contains(":" + port)) return;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("nothing listens on port " + port + " in " + pod.netns() + ": "
                + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }

    static Run run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
    }
}

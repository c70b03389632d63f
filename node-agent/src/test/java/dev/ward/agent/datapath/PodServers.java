package dev.ward.agent.datapath;

import dev.ward.bpf.lab.Pod;
import dev.ward.testbed.NamespaceServers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real servers in pods' namespaces (Debian's nginx and memcached), stopped on close, and curl.
 */
final class PodServers implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();

    /** nginx on {@code pod}'s address and {@code port}, answering {@code landed <client address> <method> <uri>}; its access log is {@code dir/access.log}. */
    void nginx(Pod pod, int port, Path dir) throws IOException {
        start(pod, NamespaceServers.landingNginx(dir, pod.ipv4().getHostAddress(), port), dir.resolve("stdout.log"));
        awaitListening(pod, port, dir.resolve("error.log"));
    }

    /** memcached on {@code pod}'s address and {@code port} (TCP only). */
    void memcached(Pod pod, int port, Path log) throws IOException {
        start(pod, List.of("memcached", "-u", "root", "-l", pod.ipv4().getHostAddress(), "-p", Integer.toString(port), "-U", "0", "-m", "16"), log);
        awaitListening(pod, port, log);
    }

    /** curl in {@code pod} with {@code args}; prints the body then the status and the connections it opened. */
    static NamespaceServers.Run curl(Pod pod, String... args) {
        return NamespaceServers.curl(pod.netns(), 5, args);
    }

    private void start(Pod pod, List<String> command, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        cmd.addAll(command);
        processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    private static void awaitListening(Pod pod, int port, Path log) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (NamespaceServers.listening(pod.netns(), port)) return;
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

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
    }
}

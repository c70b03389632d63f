package dev.ward.lab;

import dev.ward.testbed.NamespaceServers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real server process in a lab pod's namespace (nginx, memcached, a Kafka broker), logging to its own file,
 * stopped with its children on close.
 */
final class PodServer implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private PodServer(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code pod}'s namespace, its output in {@code log}. */
    static PodServer start(String name, LabNetwork.Pod pod, List<String> command, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        cmd.addAll(command);
        Files.createDirectories(log.getParent());
        return new PodServer(name, new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
    }

    /**
     * Waits until something listens on {@code port} in {@code pod} (the namespace's socket table, not a connection,
     * which policy might drop); returns the milliseconds it took. Throws with the log's tail when it does not.
     */
    long awaitListening(LabNetwork.Pod pod, int port, long timeoutMillis) throws IOException, InterruptedException {
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1_000_000 < timeoutMillis) {
            if (!process.isAlive()) throw new IOException(name + " exited " + process.exitValue() + ": " + LabEnvironment.tail(log));
            if (NamespaceServers.listening(pod.netns(), port)) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(100);
        }
        throw new IOException(name + " does not listen on " + pod.ip().getHostAddress() + ":" + port + " after " + timeoutMillis
                + " ms: " + LabEnvironment.tail(log));
    }

    Path log() {
        return log;
    }

    /** curl in {@code pod}: prints the body, then {@code |STATUS CONNECTIONS_OPENED}. */
    static NamespaceServers.Run curl(LabNetwork.Pod pod, String... args) {
        return NamespaceServers.curl(pod.netns(), 10, args);
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}

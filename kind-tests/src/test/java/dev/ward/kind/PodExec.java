package dev.ward.kind;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Commands in the cluster's pods through {@code kubectl exec}, as an operator would run them: to completion, or
 * in the background with each output line handed over as it arrives (streams, the TCP receiver).
 */
final class PodExec {
    /** How to run PodTrafficTool in a pod of Ward's image (the launchers run the same JVM with the same class path). */
    static final List<String> TRAFFIC_TOOL = List.of("/opt/ward/jdk/bin/java", "-XX:TieredStopAtLevel=1", "-cp", "/opt/ward/libs/*",
            "dev.ward.lab.PodTrafficTool");

    private PodExec() {}

    /** A finished command. */
    record Result(int exit, String output) {
        String require(String what) {
            if (exit != 0) throw new IllegalStateException(what + " exited " + exit + ": " + output.strip());
            return output;
        }
    }

    static Result run(String namespace, String pod, List<String> command) {
        Process p = start(namespace, pod, command);
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("kubectl exec " + pod + " " + command + " did not finish within 120 s");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code command} in the pod; {@code lines} hears each line of its output on a reader thread. */
    static Process background(String namespace, String pod, List<String> command, Consumer<String> lines) {
        Process p = start(namespace, pod, command);
        Thread.ofPlatform().daemon().name("exec-" + pod).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.accept(line);
            } catch (IOException ended) {
                // the exec ended: its last lines were delivered
            }
        });
        return p;
    }

    private static Process start(String namespace, String pod, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "exec", "-n", namespace, pod, "--"));
        cmd.addAll(command);
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kubectl (scripts/kind-e2e needs it on PATH): " + e.getMessage(), e);
        }
    }
}

package dev.ward.kind;

import dev.ward.lab.PodStream;
import dev.ward.lab.SequenceTally;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A numbered stream between two pods of the cluster: PodTrafficTool receives in one pod and sends from the other,
 * each printing a line per datagram, and the tally is kept here as the lines arrive (so the time of the last
 * arrival is this JVM's clock, like the store events the scenarios compare it with).
 */
final class KindStream implements PodStream {
    private final String namespace;
    private final String name;
    private final KindPod from, to;
    private final SequenceTally tally = new SequenceTally();
    private final Process receiver, sender;
    private volatile long receiverPid, senderPid;
    private volatile int sent, received;
    private volatile long lastArrivalNanos;

    KindStream(String namespace, KindPod from, KindPod to, int port, Duration interval) {
        this.namespace = namespace;
        this.name = from.name() + "->" + to.name();
        this.from = from;
        this.to = to;
        receiver = PodExec.background(namespace, to.name(), tool("receive", Integer.toString(port)), line -> {
            if (line.startsWith("pid ")) receiverPid = Long.parseLong(line.substring(4));
            else if (line.startsWith("got ")) {
                tally.received(Integer.parseInt(line.substring(4)));
                received++;
                lastArrivalNanos = System.nanoTime();
            }
        });
        awaitPid(() -> receiverPid, receiver, "receiver in " + to.name());
        sender = PodExec.background(namespace, from.name(), tool("send", to.ip().getHostAddress(), Integer.toString(port),
                Long.toString(interval.toMillis())), line -> {
            if (line.startsWith("pid ")) senderPid = Long.parseLong(line.substring(4));
            else if (line.startsWith("sent ")) sent = Integer.parseInt(line.substring(5));
        });
        awaitPid(() -> senderPid, sender, "sender in " + from.name());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int sentSoFar() {
        return sent;
    }

    @Override
    public int receivedSoFar() {
        return received;
    }

    @Override
    public long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    @Override
    public SequenceTally.Result stop(Duration settle) {
        terminate(from, senderPid, sender);
        try {
            Thread.sleep(settle.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        terminate(to, receiverPid, receiver);
        return tally.result(sent);
    }

    private void terminate(KindPod pod, long pid, Process exec) {
        PodExec.run(namespace, pod.name(), List.of("sh", "-c", "kill -TERM " + pid)).require("kill " + pid + " in " + pod.name());
        try {
            if (!exec.waitFor(30, TimeUnit.SECONDS)) exec.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitPid(LongSupplier pid, Process exec, String what) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (pid.getAsLong() == 0) {
            if (!exec.isAlive() || System.nanoTime() > deadline) throw new IllegalStateException(what + " did not start (kubectl exec "
                    + (exec.isAlive() ? "still waiting after 60 s" : "exited " + exec.exitValue()) + ")");
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static List<String> tool(String... args) {
        List<String> cmd = new ArrayList<>(PodExec.TRAFFIC_TOOL);
        cmd.addAll(List.of(args));
        return cmd;
    }
}

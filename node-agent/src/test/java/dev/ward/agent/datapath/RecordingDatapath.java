package dev.ward.agent.datapath;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.VerdictTable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The in-memory datapath, recording every call in order with the time it came and the thread it came on, and able
 * to refuse endpoints (as a full policy map or a refused program would).
 */
public final class RecordingDatapath extends InMemoryDatapath {
    public record Call(String kind, String subject, long nanos, String thread, Object argument) {}

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile Predicate<String> refuse = name -> false;

    public List<Call> calls() {
        return new ArrayList<>(calls);
    }

    /** Refuse {@link #putEndpoint} for endpoints matching {@code names}. */
    public void refuse(Predicate<String> names) {
        this.refuse = names;
    }

    private void record(String kind, String subject, Object argument) {
        calls.add(new Call(kind, subject, System.nanoTime(), Thread.currentThread().getName(), argument));
    }

    @Override
    public CompletableFuture<Void> reconcile(DatapathState desired) {
        record("reconcile", desired.endpoints().keySet().toString(), desired);
        return super.reconcile(desired);
    }

    @Override
    public CompletableFuture<Void> apply(EngineDelta delta) {
        record("apply", delta.tables().keySet().toString(), delta);
        return super.apply(delta);
    }

    @Override
    public CompletableFuture<Void> putEndpoint(DatapathEndpoint endpoint, VerdictTable table) {
        record("put", endpoint.name(), endpoint);
        if (refuse.test(endpoint.name())) {
            return CompletableFuture.failedFuture(new DatapathException("endpoint " + endpoint.name() + ": policy map full (E2BIG)"));
        }
        return super.putEndpoint(endpoint, table);
    }

    @Override
    public CompletableFuture<Void> removeEndpoint(String name) {
        record("remove", name, name);
        return super.removeEndpoint(name);
    }

    @Override
    public CompletableFuture<Void> applyIpcache(IpcacheDelta delta) {
        record("ipcache", delta.upserts().keySet() + " -" + delta.removals(), delta);
        return super.applyIpcache(delta);
    }

    /** Waits for a call matching {@code p} and returns it. */
    public Call await(Duration timeout, String what, Predicate<Call> p) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Call c : calls) if (p.test(c)) return c;
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no datapath call " + what + " within " + timeout + "; calls: " + calls.stream().map(c -> c.kind() + " " + c.subject()).toList());
    }
}

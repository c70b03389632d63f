package dev.ward.agent.datapath;

import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.DatapathConfig;
import dev.ward.bpf.events.DatapathCounters;
import dev.ward.bpf.events.FlowEventReader;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The node's BPF datapath (module bpf's {@link Datapath}: the programs on the pods' veths and their pinned maps) as
 * the agent holds it, offered to every subsystem as the service {@code KernelDatapath}. {@link Datapath} is not
 * thread-safe, so all its users (the policy adapter's writes, the local API's read-back, the periodic reconcile, the
 * DNS and L7 proxies' ipcache lookups) go through {@link #call}, which runs them one at a time on this datapath's
 * own thread, in the order they were submitted. The flow event ring buffer and the per-CPU counters are read
 * without that thread ({@link #openEventReader}, {@link #counters}), so flow visibility never waits behind map
 * writes.
 */
public final class KernelDatapath implements AutoCloseable {
    private final Datapath datapath;
    private final ExecutorService thread;
    private final DatapathCounters counters;

    private KernelDatapath(Datapath datapath) {
        this.datapath = datapath;
        this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("ward-datapath").unstarted(r));
        this.counters = datapath.counters();
    }

    /** Opens (or takes over from an earlier agent) the datapath pinned under {@code config.pinRoot()}. */
    public static KernelDatapath open(DatapathConfig config) {
        return new KernelDatapath(Datapath.open(config));
    }

    /** A datapath its caller opened (a test that programs the maps itself), offered as the agent offers its own. */
    public static KernelDatapath around(Datapath datapath) {
        return new KernelDatapath(datapath);
    }

    /**
     * Runs {@code work} on the datapath's thread after everything submitted before it; the future completes with
     * its result, or exceptionally with what it threw.
     */
    public <T> CompletableFuture<T> call(Function<Datapath, T> work) {
        try {
            return CompletableFuture.supplyAsync(() -> work.apply(datapath), thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new DatapathException("the datapath is closed"));
        }
    }

    /**
     * The identity the kernel's ipcache gives {@code address} now, read on the caller's thread: a longest-prefix
     * lookup is one bpf(2) call on the map and needs nothing the datapath's thread guards, so the L7 proxy, which asks
     * at every accepted connection, never waits behind a reconcile.
     */
    public int ipcacheIdentityOf(InetAddress address) {
        return datapath.ipcache().identityOf(address);
    }

    /** Where it is pinned, its map sizes and proxy ports (fixed when opened). */
    public DatapathConfig config() {
        return datapath.config();
    }

    /** A reader of the flow events ring buffer; one reader at a time (the visibility subsystem's). */
    public FlowEventReader openEventReader() {
        return datapath.openEventReader();
    }

    /** Packets and bytes by direction and reason, read from the per-CPU counters map on the caller's thread. */
    public DatapathCounters counters() {
        return counters;
    }

    /** Stops the thread (after what was submitted) and closes this process's handles; the kernel keeps enforcing. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) thread.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
        datapath.close();
    }
}

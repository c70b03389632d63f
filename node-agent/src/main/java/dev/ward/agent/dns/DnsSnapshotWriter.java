package dev.ward.agent.dns;

import dev.ward.agent.datapath.IpcacheEntry;
import dev.ward.agent.endpoints.Endpoint;
import dev.ward.agent.policy.PolicyDocuments;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.DnsSnapshotFile;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Keeps the standalone DNS proxy's snapshot current: after any change the engine, the endpoints or the cluster's
 * ipcache made, one write follows within {@link #DELAY_MILLIS} (changes in between share it), gathered on the
 * engine's thread and written off it. Generations continue from the file already there, so a restarted agent's
 * first snapshot is newer than its predecessor's last.
 */
final class DnsSnapshotWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DnsSnapshotWriter.class);
    static final long DELAY_MILLIS = 100;

    private final Path file;
    private final PolicyEngineLoop loop;
    private final PolicyDocuments documents;
    private final Supplier<List<Endpoint>> endpoints;
    private final Supplier<Map<String, Integer>> proxyPorts;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("ward-dns-snapshot").unstarted(r));
    private final AtomicBoolean pending = new AtomicBoolean();
    private long generation;

    /** @param proxyPorts the node's proxy ports by L7 type (the standalone writes redirect rows with them) */
    DnsSnapshotWriter(Path file, PolicyEngineLoop loop, PolicyDocuments documents, Supplier<List<Endpoint>> endpoints,
                      Supplier<Map<String, Integer>> proxyPorts) {
        this.file = file;
        this.loop = loop;
        this.documents = documents;
        this.endpoints = endpoints;
        this.proxyPorts = proxyPorts;
        this.generation = previousGeneration(file);
    }

    private static long previousGeneration(Path file) {
        if (!Files.exists(file)) return 0;
        try {
            return DnsSnapshotFile.read(file).generation();
        } catch (RuntimeException e) {
            LOG.warn("the DNS snapshot {} cannot be read ({}); numbering from the clock", file, e.getMessage());
            return System.currentTimeMillis();
        }
    }

    /** Any thread: something the snapshot holds changed. */
    void changed() {
        if (pending.compareAndSet(false, true)) {
            try {
                writer.schedule(this::write, DELAY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                pending.set(false);
            }
        }
    }

    /** Writes the snapshot now (the writer's thread); the generation it wrote. */
    long writeNow() throws Exception {
        return writer.submit(() -> {
            write();
            return generation;
        }).get(30, TimeUnit.SECONDS);
    }

    private void write() {
        pending.set(false);
        try {
            List<Endpoint> eps = endpoints.get();
            DnsSnapshot s = loop.call(() -> gather(loop.engine(), eps)).get(30, TimeUnit.SECONDS);
            DnsSnapshotFile.write(file, s);
        } catch (Exception e) {
            LOG.warn("cannot write the DNS snapshot {}: {}; the standalone DNS proxy keeps the previous one", file, e.toString());
            changed();
        }
    }

    /** Engine thread. */
    private DnsSnapshot gather(PolicyEngine engine, List<Endpoint> eps) {
        List<DnsSnapshot.Document> docs = new ArrayList<>();
        documents.texts().forEach((key, text) -> docs.add(new DnsSnapshot.Document("store:" + key, text)));
        List<DnsSnapshot.EndpointEntry> local = new ArrayList<>();
        for (Endpoint e : eps) {
            Identity id = e.identity() == 0 ? null : engine.identity(e.identity());
            if (id == null) continue;
            local.add(DnsSnapshot.EndpointEntry.of(new LocalEndpoint(e.name(), id), addresses(e.addresses())));
        }
        List<DnsSnapshot.AddressEntry> pods = new ArrayList<>();
        for (Map.Entry<IpPrefix, IpcacheEntry> c : loop.clusterIpcache().entrySet()) {
            if (c.getKey().isHost()) pods.add(DnsSnapshot.AddressEntry.of(c.getKey().address(), c.getValue().identity()));
        }
        return DnsSnapshot.of(++generation, engine.clusterName(), docs, Map.of(), engine.identities(), local, pods, proxyPorts.get());
    }

    private static List<InetAddress> addresses(List<IpPrefix> prefixes) {
        return prefixes.stream().map(IpPrefix::address).toList();
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}

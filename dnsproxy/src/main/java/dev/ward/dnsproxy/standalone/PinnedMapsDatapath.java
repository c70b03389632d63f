package dev.ward.dnsproxy.standalone;

import dev.ward.bpf.datapath.PinnedMaps;
import dev.ward.dnsproxy.fqdn.PolicyDatapath;
import dev.ward.dnsproxy.snapshot.DnsSnapshot;
import dev.ward.dnsproxy.snapshot.LocalIdentityTranslation;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * {@code ward dnsproxy --datapath bpf}: what the standalone proxy learns goes into the node's pinned BPF maps (the
 * ipcache and the endpoints' policy maps the agent pinned under its pin root), so a pod that resolved an allowed name
 * reaches the answered address at once even while the agent is down. No program is loaded or attached and nothing the
 * agent wrote is removed ({@link PinnedMaps}). Redirect rows point at the agent's proxy ports as its snapshot lists
 * them, and the DNS proxy port's standby entry is pointed at this proxy's own port, so the datapath hands it the DNS
 * the agent's proxy cannot take while it is down.
 *
 * <p>Engine thread only: the writes are made in the order the engine produced them, before the answer is released.
 */
public final class PinnedMapsDatapath implements PolicyDatapath, LocalIdentityTranslation.NodeIdentities, SnapshotFollower,
        AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PinnedMapsDatapath.class);

    private final Path pinRoot;
    private PinnedMaps maps;
    private DnsSnapshot snapshot;
    private int listeningPort;
    /** The agent's DNS proxy port the standby entry was last handled for (-1: not yet), so each is handled once. */
    private int handledDnsPort = -1;

    private PinnedMapsDatapath(Path pinRoot) {
        this.pinRoot = pinRoot;
    }

    /**
     * The maps the agent pinned under {@code pinRoot}, opened with the first snapshot (the agent writes it once its
     * datapath is open, so a proxy started first waits for both); opening fails naming the pin root when none are there.
     */
    public static PinnedMapsDatapath at(Path pinRoot) {
        return new PinnedMapsDatapath(pinRoot);
    }

    private PinnedMaps maps() {
        if (maps == null) {
            maps = PinnedMaps.open(pinRoot);
            LOG.info("writing learned addresses into the datapath pinned under {}", pinRoot);
        }
        return maps;
    }

    @Override
    public CompletableFuture<Void> apply(EngineDelta delta) {
        try {
            maps().apply(delta);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            LOG.error("cannot write a learned change into the pinned maps: {}", e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Only node-local numbers translate: a cluster identity's number is the same in every engine. */
    @Override
    public OptionalInt heldFor(Cidr prefix) {
        OptionalInt held = maps().identityHeldFor(new IpPrefix(prefix.address(), prefix.prefixLength()));
        return held.isPresent() && IdentityNumbers.isNodeLocal(held.getAsInt()) ? held : OptionalInt.empty();
    }

    @Override
    public void snapshotInForce(DnsSnapshot s) {
        snapshot = s;
        maps().proxyPorts((endpoint, direction, l7Type) -> s.proxyPortFor(l7Type, direction.lower()));
        registerStandby();
    }

    @Override
    public void listening(int port) {
        listeningPort = port;
        registerStandby();
    }

    /**
     * Points the agent's DNS proxy port's standby entry at this proxy. Best effort: the agent may register it too, and
     * a failure here must not stop the proxy from following the snapshot, so it is logged, not thrown.
     */
    private void registerStandby() {
        if (snapshot == null || listeningPort == 0) return;
        int dnsPort = snapshot.proxyPortFor(DnsSnapshot.DNS_PROXY, "egress");
        if (dnsPort == handledDnsPort) return;
        handledDnsPort = dnsPort;
        if (dnsPort == 0) {
            LOG.warn("snapshot generation {} names no DNS proxy port (an agent without proxy ports in its snapshot, or its DNS proxy is off):"
                    + " no standby entry is written, so DNS reaches this proxy only if the datapath redirects to port {}",
                    snapshot.generation(), listeningPort);
            return;
        }
        if (dnsPort == listeningPort) {
            LOG.warn("this proxy listens on the agent's DNS proxy port {}; it can take DNS only while the agent's proxy is not bound to it", dnsPort);
            return;
        }
        try {
            if (!maps().hasProxyStandby()) {
                LOG.warn("the pinned datapath predates standby ports: DNS redirected to port {} is dropped while the agent is down", dnsPort);
                return;
            }
            int before = maps().proxyStandby(dnsPort);
            if (before == listeningPort) return;
            maps().setProxyStandby(dnsPort, listeningPort);
            LOG.info("DNS redirected to the agent's proxy port {} comes to this proxy's port {} while nothing listens there{}", dnsPort,
                    listeningPort, before == 0 ? "" : " (the standby was port " + before + ")");
        } catch (RuntimeException e) {
            handledDnsPort = -1;
            LOG.error("cannot register port {} as the standby of the agent's DNS proxy port {}: {}", listeningPort, dnsPort, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (maps != null) maps.close();
    }
}

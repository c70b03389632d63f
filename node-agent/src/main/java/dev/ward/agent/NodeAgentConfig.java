package dev.ward.agent;

import dev.ward.agent.dns.DnsProxyConfig;
import dev.ward.agent.encryption.EncryptionConfig;
import dev.ward.agent.endpoints.EndpointsConfig;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.agent.l7.L7ProxyConfig;
import dev.ward.store.StoreLocation;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * Everything one node agent runs with, checked as a whole: the command line only parses flags into this.
 *
 * @param store      where the cluster's shared state is ({@code --store})
 * @param stateDir   the node's own files (SVID, key, bundle, CRL, the encryption keyring)
 * @param encryption present when the node encrypts pod traffic between nodes
 * @param endpoints  present when the agent manages the node's pods: endpoints, their identities and policy
 * @param visibility metrics, and the flows of the endpoints' traffic
 * @param l7Proxy    the L7 proxy, which runs with the endpoints on the BPF datapath
 * @param dnsProxy   the DNS proxy, which runs with the endpoints on the BPF datapath
 */
public record NodeAgentConfig(StoreLocation store, Path stateDir, IdentityConfig identity, Optional<EncryptionConfig> encryption,
                              Optional<EndpointsConfig> endpoints, Clock clock, VisibilityConfig visibility, L7ProxyConfig l7Proxy,
                              DnsProxyConfig dnsProxy) {
    public NodeAgentConfig(StoreLocation store, Path stateDir, IdentityConfig identity, Optional<EncryptionConfig> encryption,
                           Optional<EndpointsConfig> endpoints, Clock clock, VisibilityConfig visibility, L7ProxyConfig l7Proxy) {
        this(store, stateDir, identity, encryption, endpoints, clock, visibility, l7Proxy, DnsProxyConfig.DEFAULT);
    }

    public NodeAgentConfig(StoreLocation store, Path stateDir, IdentityConfig identity, Optional<EncryptionConfig> encryption,
                           Optional<EndpointsConfig> endpoints, Clock clock, VisibilityConfig visibility) {
        this(store, stateDir, identity, encryption, endpoints, clock, visibility, L7ProxyConfig.DEFAULT);
    }

    public NodeAgentConfig(StoreLocation store, Path stateDir, IdentityConfig identity, Optional<EncryptionConfig> encryption, Clock clock) {
        this(store, stateDir, identity, encryption, Optional.empty(), clock);
    }

    public NodeAgentConfig(StoreLocation store, Path stateDir, IdentityConfig identity, Optional<EncryptionConfig> encryption,
                           Optional<EndpointsConfig> endpoints, Clock clock) {
        this(store, stateDir, identity, encryption, endpoints, clock, VisibilityConfig.DEFAULT);
    }

    public NodeAgentConfig {
        if (visibility == null) visibility = VisibilityConfig.DEFAULT;
        if (l7Proxy == null) l7Proxy = L7ProxyConfig.DEFAULT;
        if (dnsProxy == null) dnsProxy = DnsProxyConfig.DEFAULT;
        encryption.ifPresent(e -> {
            if (!e.agent().local().name().equals(identity.settings().node())) {
                throw new IllegalArgumentException("encryption is configured for node " + e.agent().local().name()
                        + ", the identity for " + identity.settings().node());
            }
        });
        if (!identity.settings().stateDir().equals(stateDir)) {
            throw new IllegalArgumentException("the identity's state directory " + identity.settings().stateDir() + " is not " + stateDir);
        }
    }

    public String node() {
        return identity.settings().node();
    }
}

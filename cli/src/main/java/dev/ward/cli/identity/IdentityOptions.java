package dev.ward.cli.identity;

import dev.ward.cli.CommandFailure;
import dev.ward.keyd.agent.AgentSettings;
import dev.ward.keyd.agent.IdentityUnavailableException;
import dev.ward.keyd.agent.NodeIdentityAgent;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The node-identity part of {@code ward agent}, as a mixin: other agent features (encryption, policy) add their
 * own options next to it and take the running {@link NodeIdentityAgent} from {@link #start()}.
 */
public final class IdentityOptions {
    @Mixin StoreOptions store;

    @Option(names = "--node", defaultValue = "${env:NODE_NAME}", description = "This node's name (default: $NODE_NAME).")
    String node;

    @Option(names = "--state-dir", defaultValue = "/var/lib/ward/agent", description = "Where svid.pem, svid-key.pem, bundle.pem, crl.pem live (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--token", description = "One-time join token (clusters without Kubernetes; only needed without a valid SVID).")
    String token;

    @Option(names = "--token-file", description = "File holding the join token (keeps it out of the process list).")
    Path tokenFile;

    @Option(names = "--renew-at", defaultValue = "0.5", description = "Renew after this fraction of the SVID lifetime (default: ${DEFAULT-VALUE}).")
    double renewAt;

    @Option(names = "--request-timeout", defaultValue = "60s", converter = Durations.class, description = "How long to wait for keyd (default: ${DEFAULT-VALUE}).")
    Duration requestTimeout;

    private IdentityStore opened;

    /** Bootstraps or reloads the node's identity and keeps it renewed until the returned agent is closed. */
    public NodeIdentityAgent start() {
        if (node == null || node.isBlank()) throw new CommandFailure("--node is required (or set NODE_NAME)");
        String joinToken = token;
        if (tokenFile != null) {
            try {
                joinToken = Files.readString(tokenFile).trim();
            } catch (IOException e) {
                throw new CommandFailure("cannot read --token-file " + tokenFile + ": " + e.getMessage());
            }
        }
        AgentSettings defaults = AgentSettings.defaults(node, stateDir);
        AgentSettings settings = new AgentSettings(node, stateDir, renewAt, requestTimeout, defaults.retryBackoff(), defaults.rotationJitter());
        opened = store.open();
        Clock clock = Clock.systemUTC();
        try {
            return NodeIdentityAgent.start(settings, IdentityStores.requester(opened, clock), opened.trust(), joinToken, clock);
        } catch (IdentityUnavailableException e) {
            opened.close();
            throw new CommandFailure(e.getMessage());
        }
    }

    public String node() {
        return node;
    }

    public Path stateDir() {
        return stateDir;
    }

    public StoreOptions store() {
        return store;
    }

    /** Closes the store connection {@link #start()} opened. */
    public void close() {
        if (opened != null) opened.close();
    }
}

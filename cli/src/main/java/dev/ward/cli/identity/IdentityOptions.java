package dev.ward.cli.identity;

import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.cli.CommandFailure;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The node-identity flags of {@code ward agent}; they become an {@link IdentityConfig}. */
public final class IdentityOptions {
    @Option(names = "--node", defaultValue = "${env:NODE_NAME}", description = "This node's name (default: $NODE_NAME).")
    String node;

    @Option(names = "--state-dir", defaultValue = "/var/lib/ward/agent", description = "Where svid.pem, svid-key.pem, bundle.pem, crl.pem live (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    /** The join token, given at most one way. */
    static final class JoinToken {
        @Option(names = "--token", description = "One-time join token (clusters without Kubernetes; only needed without a valid SVID).")
        String token;

        @Option(names = "--token-file", description = "File holding the join token (keeps it out of the process list).")
        Path tokenFile;
    }

    @ArgGroup(exclusive = true)
    JoinToken joinToken;

    @Option(names = "--renew-at", defaultValue = "0.5", description = "Renew after this fraction of the SVID lifetime (default: ${DEFAULT-VALUE}).")
    double renewAt;

    @Option(names = "--request-timeout", defaultValue = "60s", converter = Durations.class, description = "How long to wait for keyd (default: ${DEFAULT-VALUE}).")
    Duration requestTimeout;

    public String node() {
        if (node == null || node.isBlank()) throw new CommandFailure("--node is required (or set NODE_NAME)");
        return node;
    }

    public Path stateDir() {
        if (Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
            throw new CommandFailure("--state-dir " + stateDir + " is not a directory");
        }
        return stateDir;
    }

    /** Checks the flags and reads the token file; nothing is started. */
    public IdentityConfig config() {
        String name = node();
        Path dir = stateDir();
        String token = joinToken == null ? null : joinToken.token;
        if (joinToken != null && joinToken.tokenFile != null) {
            try {
                token = Files.readString(joinToken.tokenFile).trim();
            } catch (IOException e) {
                throw new CommandFailure("cannot read --token-file " + joinToken.tokenFile + ": " + e.getMessage());
            }
        }
        AgentSettings defaults = AgentSettings.defaults(name, dir);
        try {
            return new IdentityConfig(new AgentSettings(name, dir, renewAt, requestTimeout, defaults.retryBackoff(), defaults.rotationJitter()), token);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid identity options: " + e.getMessage());
        }
    }
}

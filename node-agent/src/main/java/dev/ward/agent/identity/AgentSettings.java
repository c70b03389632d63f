package dev.ward.agent.identity;

import dev.ward.pki.NodeNames;

import java.nio.file.Path;
import java.time.Duration;

/**
 * @param node              the node name the SVID names
 * @param stateDir          where svid.pem, svid-key.pem, bundle.pem and crl.pem live
 * @param renewAtFraction   renew once this fraction of the SVID's lifetime has passed (default one half)
 * @param requestTimeout    how long to wait for keyd's answer to one request
 * @param retryBackoff      first wait after a failed renewal; doubles up to {@link #MAX_BACKOFF}
 * @param rotationJitter    after a CA rotation, renew within a random delay up to this, so nodes do not all ask at once
 */
public record AgentSettings(String node, Path stateDir, double renewAtFraction, Duration requestTimeout,
                            Duration retryBackoff, Duration rotationJitter) {
    public static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    public AgentSettings {
        NodeNames.require(node, "node name");
        if (!(renewAtFraction > 0 && renewAtFraction < 1)) throw new IllegalArgumentException("renewal point must be between 0 and 1 of the lifetime");
    }

    public static AgentSettings defaults(String node, Path stateDir) {
        return new AgentSettings(node, stateDir, 0.5, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }
}

package dev.ward.keyd;

import dev.ward.pki.SvidIssuer;

import java.time.Duration;

/**
 * keyd's tunables.
 *
 * @param svidTtl             lifetime of issued SVIDs (a CSR may ask for less, never for more)
 * @param crlValidity         how long a published CRL stays valid; keyd re-signs at half of it
 * @param maintenanceInterval how often keyd checks the published trust (CRL age, bundle matches keyring)
 * @param requestRetention    how long answered enrollment requests stay in etcd for the agent to read
 */
public record KeydSettings(Duration svidTtl, Duration crlValidity, Duration maintenanceInterval, Duration requestRetention) {
    public static KeydSettings defaults() {
        return new KeydSettings(SvidIssuer.DEFAULT_TTL, Duration.ofHours(48), Duration.ofMinutes(1), Duration.ofHours(1));
    }

    public KeydSettings withSvidTtl(Duration ttl) {
        return new KeydSettings(ttl, crlValidity, maintenanceInterval, requestRetention);
    }

    public KeydSettings withMaintenanceInterval(Duration interval) {
        return new KeydSettings(svidTtl, crlValidity, interval, requestRetention);
    }
}

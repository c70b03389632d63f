package dev.ward.dnsproxy.fqdn;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast path and expiry meet in one atomic expiry: whichever comes first wins, and neither undoes the other. */
class FqdnCacheTest {
    static final List<InetAddress> A;

    static {
        try {
            A = List.of(InetAddress.getByName("192.0.2.1"));
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Test
    void onlyConfirmedEntriesTakeTheFastPath() {
        FqdnCache c = new FqdnCache();
        c.record("ep", "n", A, 1000, 0);
        assertFalse(c.extendConfirmed("ep", "n", A, 2000), "not confirmed yet");
        c.confirm("ep", "n", A);
        assertTrue(c.extendConfirmed("ep", "n", A, 2000));
        assertFalse(c.extendConfirmed("other", "n", A, 2000), "another endpoint's lookup is its own");
    }

    @Test
    void anExtensionBeforeTheSweepSavesTheEntry() {
        FqdnCache c = new FqdnCache();
        c.record("ep", "n", A, 1000, 0);
        c.confirm("ep", "n", A);
        assertTrue(c.extendConfirmed("ep", "n", A, 5000));
        assertFalse(c.expire("ep", "n", A.getFirst(), 1500), "extended past now: not expired");
        assertTrue(c.held("n", A.getFirst()));
    }

    @Test
    void afterExpiryTheFastPathIsClosed() {
        FqdnCache c = new FqdnCache();
        c.record("ep", "n", A, 1000, 0);
        c.confirm("ep", "n", A);
        assertTrue(c.expire("ep", "n", A.getFirst(), 1500));
        assertTrue(c.lastHolderGone("n", A.getFirst()));
        assertFalse(c.extendConfirmed("ep", "n", A, 5000), "a removed address must go through the engine again");
    }
}

package dev.ward.l7proxy.proxy;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Timeouts the builder refuses, with the setting named. */
class L7ProxyBuilderTest {

    @Test
    void negativeOrMissingTimeoutsAreRefusedByName() {
        L7Proxy.Builder b = L7Proxy.builder();
        assertEquals("headerTimeout must be zero or positive, not PT-1S",
                assertThrows(IllegalArgumentException.class, () -> b.headerTimeout(Duration.ofSeconds(-1))).getMessage());
        assertEquals("idleTimeout must be zero or positive, not null",
                assertThrows(IllegalArgumentException.class, () -> b.idleTimeout(null)).getMessage());
        assertEquals("connectTimeout must be zero or positive, not PT-0.001S",
                assertThrows(IllegalArgumentException.class, () -> b.connectTimeout(Duration.ofMillis(-1))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.connectTimeout(Duration.ofDays(30)));
    }
}

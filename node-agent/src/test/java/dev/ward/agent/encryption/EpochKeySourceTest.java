package dev.ward.agent.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EpochKeySourceTest {
    @Test
    void epochsFollowThePreviousOneAndNeverFallBelowTheClock() {
        EpochKeySource source = EpochKeySource.clockBased(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
        assertEquals(1_700_000_000L, source.next(0).epoch(), "a node with no history starts at the current second");
        assertEquals(1_700_000_000L, source.next(41).epoch(), "a node whose history was lost still lands above it");
        assertEquals(1_700_000_001L, source.next(1_700_000_000L).epoch(), "two rotations in one second still increase");
        assertEquals(1_800_000_001L, source.next(1_800_000_000L).epoch(), "a clock behind the last epoch cannot go back");
    }
}

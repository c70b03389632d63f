package dev.ward.lab;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SequenceTallyTest {
    @Test
    void countsLostDatagramsAndTheirGapsWhateverTheOrder() {
        SequenceTally t = new SequenceTally();
        for (int i : new int[] {0, 2, 1, 3, 7, 8, 3, 12}) t.received(i);
        SequenceTally.Result r = t.result(14);
        assertEquals(new SequenceTally.Result(14, 7, 7, 3, 3, 1), r); // lost 4,5,6 | 9,10,11 | 13
        assertEquals("14 sent, 7 received, 7 lost in 3 gap(s) (longest 3), 1 duplicate(s)", r.describe());
    }

    @Test
    void nothingLostWhenEverySentNumberArrived() {
        SequenceTally t = new SequenceTally();
        for (int i = 99; i >= 0; i--) t.received(i);
        assertEquals(new SequenceTally.Result(100, 100, 0, 0, 0, 0), t.result(100));
    }

    @Test
    void refusesNegativeNumbers() {
        assertThrows(IllegalArgumentException.class, () -> new SequenceTally().received(-1));
    }
}

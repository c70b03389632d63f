package dev.ward.policy.compute;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rows map behaves as a HashMap does, through growth and removals that break probe runs. */
class IntMapTest {
    @Property(tries = 300)
    void behavesLikeAHashMap(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3000) int operations) {
        Random r = new Random(seed);
        IntMap<String> map = new IntMap<>();
        Map<Integer, String> reference = new HashMap<>();
        // Few distinct keys (0 and negatives among them) so puts, replacements and removals all meet.
        int range = 1 + r.nextInt(200);
        for (int i = 0; i < operations; i++) {
            int key = r.nextInt(range) - range / 4;
            switch (r.nextInt(3)) {
                case 0, 1 -> assertEquals(reference.put(key, "v" + i), map.put(key, "v" + i));
                default -> assertEquals(reference.remove(key), map.remove(key));
            }
            assertEquals(reference.size(), map.size());
        }
        for (int key = -range; key <= range; key++) {
            assertEquals(reference.get(key), map.get(key), "key " + key);
            assertEquals(reference.containsKey(key), map.containsKey(key));
        }
        int[] keys = map.keys();
        Arrays.sort(keys);
        assertArrayEquals(reference.keySet().stream().mapToInt(Integer::intValue).sorted().toArray(), keys);
        assertEquals(reference, map.copyInto(new HashMap<>()));
    }

    @Test
    void zeroIsAKeyLikeAnyOtherAndClearEmptiesTheMap() {
        IntMap<String> map = new IntMap<>();
        assertNull(map.put(0, "any"));
        assertEquals("any", map.get(0));
        assertEquals("x", map.getOrDefault(7, "x"));
        map.clear();
        assertTrue(map.isEmpty());
        assertFalse(map.containsKey(0));
        assertThrows(IllegalArgumentException.class, () -> map.put(1, null));
    }
}

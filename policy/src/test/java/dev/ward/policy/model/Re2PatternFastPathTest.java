package dev.ward.policy.model;

import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Literal and literal-then-".*" patterns match without RE2J: exactly as RE2J would, on any input. */
class Re2PatternFastPathTest {
    private static String pick(Random r, String alphabet, int max) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return b.toString();
    }

    @Test
    void agreesWithRe2OnRandomPatternsAndValues() {
        Random r = new Random(7);
        int fast = 0;
        for (int i = 0; i < 200_000; i++) {
            String pattern = pick(r, "ab/.*\\\n", 6);
            Pattern re2;
            try {
                re2 = Pattern.compile(pattern);
            } catch (com.google.re2j.PatternSyntaxException e) {
                continue;
            }
            String value = pick(r, "ab/.\n", 7);
            assertEquals(re2.matcher(value).matches(), Re2Pattern.compile(pattern).matchesWhole(value),
                    "pattern '" + pattern.replace("\n", "\\n") + "' value '" + value.replace("\n", "\\n") + "'");
            String head = pattern.endsWith(".*") ? pattern.substring(0, pattern.length() - 2) : pattern;
            if (head.chars().noneMatch(c -> "\\.+*?()|[]{}^$".indexOf(c) >= 0)) fast++;
        }
        assertTrue(fast > 10_000, "the fast paths were exercised " + fast + " times");
    }
}

package dev.ward.policy.model;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The label-by-label matcher means what the pattern's regular expression means, on names a resolver could return. */
class FqdnPatternTest {
    /** The meaning as a regular expression: '*' is [-a-z0-9_]*, a leading '**.' is one or more whole labels. */
    private static Pattern oracle(String pattern) {
        if (pattern.equals("*")) return Pattern.compile("[-a-z0-9_.]+");
        StringBuilder re = new StringBuilder();
        String rest = pattern;
        if (pattern.startsWith("**.")) {
            re.append("(?:[-a-z0-9_]+\\.)+");
            rest = pattern.substring(3);
        }
        for (char c : rest.toCharArray()) re.append(c == '*' ? "[-a-z0-9_]*" : c == '.' ? "\\." : String.valueOf(c));
        return Pattern.compile(re.toString());
    }

    private static String pick(Random r, String alphabet, int max) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return b.toString();
    }

    @Test
    void agreesWithTheRegularExpressionOnRandomNamesAndPatterns() {
        Random r = new Random(20240611);
        int compared = 0;
        for (int i = 0; i < 300_000; i++) {
            String p = (r.nextInt(4) == 0 ? "**." : "") + pick(r, "ab*.-", 7);
            FqdnPattern fp;
            try {
                fp = FqdnPattern.matchPattern(p);
            } catch (IllegalArgumentException e) {
                continue;
            }
            String name = pick(r, "ab.-_A!", 9);
            String normal = FqdnPattern.normalize(name);
            assertEquals(oracle(fp.text()).matcher(normal).matches(), fp.matches(name), "pattern '" + p + "' name '" + name + "'");
            compared++;
        }
        assertTrue(compared > 100_000, "compared " + compared);
    }

    @Test
    void examplesOfThePolicyDocs() {
        FqdnPattern sub = FqdnPattern.matchPattern("*.cilium.io");
        assertTrue(sub.matches("docs.cilium.io"));
        assertTrue(sub.matches("DOCS.cilium.io."));
        assertFalse(sub.matches("a.docs.cilium.io"), "'*' stays inside one label");
        assertFalse(sub.matches("cilium.io"));
        FqdnPattern deep = FqdnPattern.matchPattern("**.cilium.io");
        assertTrue(deep.matches("a.docs.cilium.io"));
        assertFalse(deep.matches("cilium.io"));
        assertTrue(FqdnPattern.matchPattern("*").matches("anything.example"));
        assertFalse(FqdnPattern.matchPattern("*.example.com").matches("a b.example.com"));
        assertTrue(FqdnPattern.matchName("api.github.com").matches("API.GitHub.com.".toLowerCase(Locale.ROOT)));
    }
}

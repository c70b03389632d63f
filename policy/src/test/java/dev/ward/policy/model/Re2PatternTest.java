package dev.ward.policy.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Re2PatternTest {
    @ParameterizedTest
    @ValueSource(strings = {"/public", "GET|PUT", "/v1/.*", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "(?i)/api/(users|groups)/[[:digit:]]+", "\\pL+\\x{41}\\Q.*\\E", ".{0,400}"})
    void patternsOfRealRulesCompile(String regex) {
        assertEquals(regex, Re2Pattern.compile(regex).pattern());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPatternThatWouldExhaustTheHeapIsRefusedFromItsText() {
        // RE2J alone ran out of a 2 GB heap on this one after 38 s.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Re2Pattern.compile("(((a{1000}){1000}){1000}){1000}"));
        assertTrue(e.getMessage().contains("is too large: about 2002002002000 instructions"), e.getMessage());
    }

    @Test
    void theCompiledProgramIsBoundedToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Re2Pattern.compile("x{0,1000}"));
        assertTrue(e.getMessage().contains("is too large: 2002 instructions, at most 1000"), e.getMessage());
    }

    @Test
    void matchingIsOverTheWholeValue() {
        Re2Pattern p = Re2Pattern.compile("/v1/[a-z]+");
        assertTrue(p.matchesWhole("/v1/items"));
        assertFalse(p.matchesWhole("/v1/items/7"));
        assertFalse(p.matchesWhole("x/v1/items"));
        assertEquals(Re2Pattern.compile("/v1/[a-z]+"), p);
    }
}

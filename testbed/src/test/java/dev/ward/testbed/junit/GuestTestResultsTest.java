package dev.ward.testbed.junit;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GuestTestResultsTest {
    @Test
    void roundTripsTabsNewlinesAndNulls() {
        List<GuestTestResult> rs = List.of(
                new GuestTestResult("a.B", "passes()", GuestTestResult.Status.PASSED, 12, null, null),
                new GuestTestResult("a.B", "fails()", GuestTestResult.Status.FAILED, 3, "expected:\t<1>\nbut was <2>", "at x\n\tat y"),
                new GuestTestResult("a.C", "(class setup)", GuestTestResult.Status.SKIPPED, 0, "skipped: no", null));
        assertEquals(rs, GuestTestResults.parse(GuestTestResults.format(rs)));
    }

    @Test
    void foreignOrDamagedFilesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GuestTestResults.parse("<xml/>"));
        assertThrows(IllegalArgumentException.class, () -> GuestTestResults.parse("ward-guest-test-results v1\nPASSED\ta.B\n"));
    }
}

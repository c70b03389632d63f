package dev.ward.testbed.junit;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelLabTest {
    @Test
    void testClassesRunInTheGuestAndEveryOutcomeComesBackByName() throws Throwable {
        KernelLab lab = new KernelLab("wx-testbed-lab", Path.of("target", "kernel-lab-test"), Duration.ofMinutes(5));
        List<GuestTestResult> results = lab.runInGuest(List.of(GuestProbeCase.class));
        Map<String, GuestTestResult> byName = results.stream().collect(Collectors.toMap(GuestTestResult::testName, r -> r));
        assertEquals(2, results.size(), results.toString());
        assertEquals(GuestTestResult.Status.PASSED, byName.get("runsOnTheGuestKernelWithEsp").status(),
                () -> byName.get("runsOnTheGuestKernelWithEsp").trace());
        GuestTestResult failed = byName.get("failsOnPurpose");
        assertEquals(GuestTestResult.Status.FAILED, failed.status());
        assertTrue(failed.message().contains("deliberate failure inside the guest"), failed.message());

        List<DynamicTest> dynamic = KernelLabTests.of(results, "in the guest").toList();
        assertEquals("GuestProbeCase.failsOnPurpose [in the guest]", dynamic.stream()
                .filter(d -> d.getDisplayName().contains("fails")).findFirst().orElseThrow().getDisplayName());
        for (DynamicTest d : dynamic) {
            if (d.getDisplayName().contains("failsOnPurpose")) assertThrows(AssertionError.class, () -> d.getExecutable().execute());
            else d.getExecutable().execute();
        }
    }

    @Test
    void noResultsIsAFailureNotAPass() {
        DynamicTest only = KernelLabTests.of(List.of(), "in the guest").toList().getFirst();
        assertThrows(AssertionError.class, () -> only.getExecutable().execute());
    }
}

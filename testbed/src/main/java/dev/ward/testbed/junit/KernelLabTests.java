package dev.ward.testbed.junit;

import org.junit.jupiter.api.DynamicTest;

import java.util.List;
import java.util.stream.Stream;

/**
 * Turns results from another kernel into JUnit dynamic tests, one per test by name, so they count in the
 * build's report: a failure there fails here, a skip there fails here (nothing may vanish), no results fails.
 */
public final class KernelLabTests {
    private KernelLabTests() {}

    /**
     * Runs {@code cases} in this JVM when the host kernel has the feature they need, otherwise in one guest
     * booted by {@code lab}, and returns one dynamic test per result.
     *
     * @param hostLacks what the host kernel lacks, for the report (ignored when {@code hostHasFeature})
     */
    public static Stream<DynamicTest> run(KernelLab lab, List<Class<?>> cases, boolean hostHasFeature, String hostLacks)
            throws Exception {
        if (hostHasFeature) return of(lab.runHere(cases), "on the host kernel");
        return of(lab.runInGuest(cases), "in user-mode Linux (host " + hostLacks + ")");
    }

    public static Stream<DynamicTest> of(List<GuestTestResult> results, String where) {
        if (results.isEmpty()) {
            return Stream.of(DynamicTest.dynamicTest("no tests ran " + where, () -> {
                throw new AssertionError("the test classes produced no results " + where);
            }));
        }
        return results.stream().map(r -> DynamicTest.dynamicTest(r.displayName() + " [" + where + "]", () -> {
            switch (r.status()) {
                case PASSED -> { }
                case SKIPPED -> throw new AssertionError(r.displayName() + " was skipped " + where + ": " + r.message());
                case FAILED -> throw new AssertionError(r.displayName() + " failed " + where + ": " + r.message()
                        + (r.trace() == null ? "" : "\n" + r.trace()));
            }
        }));
    }
}

package dev.ward.testbed.junit;

/**
 * One test's outcome from a run elsewhere (another kernel). {@code testName} is the method's display name, or
 * a marker for a class-level failure such as a failing {@code @BeforeAll}.
 */
public record GuestTestResult(String className, String testName, Status status, long millis, String message, String trace) {
    public enum Status { PASSED, FAILED, SKIPPED }

    public String displayName() {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return simple + "." + testName;
    }
}

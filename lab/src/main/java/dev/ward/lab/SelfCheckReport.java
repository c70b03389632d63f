package dev.ward.lab;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The checks a lab run made, each PASS or FAIL with the evidence, and the verdict. */
public final class SelfCheckReport {
    public record Check(String name, boolean passed, String evidence) {}

    private final List<Check> checks = new ArrayList<>();

    public void check(String name, boolean passed, String evidence) {
        checks.add(new Check(name, passed, evidence));
    }

    public List<Check> checks() {
        return List.copyOf(checks);
    }

    public boolean passed() {
        return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    public void print(PrintStream out) {
        for (Check c : checks) out.println((c.passed() ? "PASS  " : "FAIL  ") + c.name() + ": " + c.evidence());
        out.println(passed() ? "PASS: xfrm self-check" : "FAIL: xfrm self-check");
    }
}

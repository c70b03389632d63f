package dev.ward.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One scenario while it runs: prints each piece of evidence as it is gathered, records the checks, and ends as
 * a {@link LabReport.Scenario}: PASS when every check held and nothing was thrown.
 */
public final class ScenarioRun {
    /** The scenario's steps; throwing fails the scenario with the exception as the reason. */
    @FunctionalInterface
    public interface Steps {
        void run(ScenarioRun s) throws Exception;
    }

    private final String name;
    private final PrintStream out;
    private final List<String> evidence = new ArrayList<>();
    private String failure;

    private ScenarioRun(String name, PrintStream out) {
        this.name = name;
        this.out = out;
    }

    /** Runs {@code steps} as scenario {@code name}, printing as it goes, and adds the outcome to {@code report}. */
    public static boolean run(LabReport report, PrintStream out, String name, Steps steps) {
        ScenarioRun s = new ScenarioRun(name, out);
        out.println("== " + name);
        long start = System.nanoTime();
        GuestCpu cpu = GuestCpu.ofThisMachine();
        GuestCpu.Snapshot before = cpu.snapshot();
        try {
            steps.run(s);
        } catch (Exception | AssertionError e) {
            s.fail(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        s.note(GuestCpu.describe(before, cpu.snapshot(), 6));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        boolean passed = s.failure == null;
        out.println("-- " + (passed ? "PASS" : "FAIL") + " " + name + " (" + took.toMillis() / 1000.0 + " s)" + (passed ? "" : ": " + s.failure));
        report.add(new LabReport.Scenario(name, passed, took, s.evidence, s.failure));
        return passed;
    }

    /** Evidence: printed now and kept in the report. */
    public void note(String line) {
        out.println("   " + line);
        evidence.add(line);
    }

    /** A check: PASS/FAIL line printed now; the first failing one becomes the scenario's reason. */
    public boolean check(boolean ok, String what) {
        note((ok ? "ok    " : "FAIL  ") + what);
        if (!ok && failure == null) failure = what;
        return ok;
    }

    public void fail(String why) {
        note("FAIL  " + why);
        if (failure == null) failure = why;
    }

    public boolean failed() {
        return failure != null;
    }

    public String name() {
        return name;
    }
}

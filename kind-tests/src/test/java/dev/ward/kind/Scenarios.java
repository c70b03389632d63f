package dev.ward.kind;

import dev.ward.lab.LabReport;
import dev.ward.lab.ScenarioRun;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs one of the shared scenarios as a JUnit test: its evidence printed as it goes, its first failed check the test's failure. */
final class Scenarios {
    private Scenarios() {}

    static void assertPasses(String name, ScenarioRun.Steps steps) {
        LabReport report = new LabReport();
        boolean passed = ScenarioRun.run(report, System.out, name, steps);
        assertTrue(passed, name + ": " + report.scenarios().getFirst().failure());
    }
}

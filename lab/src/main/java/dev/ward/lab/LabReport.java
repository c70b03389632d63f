package dev.ward.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's scenarios, each PASS or FAIL with the evidence gathered while it ran and how long it took; printed
 * as a table and written as a JUnit XML report so test reports count the scenarios like any other test.
 */
public final class LabReport {
    /** One scenario's outcome. {@code evidence} holds the lines it printed as it went. */
    public record Scenario(String name, boolean passed, Duration took, List<String> evidence, String failure) {
        public Scenario {
            evidence = List.copyOf(evidence);
        }
    }

    private final List<Scenario> scenarios = new ArrayList<>();

    public synchronized void add(Scenario s) {
        scenarios.add(s);
    }

    public synchronized List<Scenario> scenarios() {
        return List.copyOf(scenarios);
    }

    /** PASS only when there is at least one scenario and none failed. */
    public synchronized boolean passed() {
        return !scenarios.isEmpty() && scenarios.stream().allMatch(Scenario::passed);
    }

    public synchronized void printTable(PrintStream out) {
        int width = Math.max("SCENARIO".length(), scenarios.stream().mapToInt(s -> s.name().length()).max().orElse(0));
        out.printf("%-" + width + "s  %-6s  %8s  %s%n", "SCENARIO", "RESULT", "SECONDS", "WHY IT FAILED");
        for (Scenario s : scenarios) {
            out.printf("%-" + width + "s  %-6s  %8.1f  %s%n", s.name(), s.passed() ? "PASS" : "FAIL", s.took().toMillis() / 1000.0,
                    s.passed() ? "" : s.failure());
        }
        long failed = scenarios.stream().filter(s -> !s.passed()).count();
        out.println(passed() ? "PASS: all " + scenarios.size() + " scenarios" : "FAIL: " + failed + " of " + scenarios.size() + " scenarios failed");
    }

    /** Writes the scenarios as one JUnit XML test suite named {@code suite} (the format Surefire writes). */
    public synchronized void writeJunitXml(Path file, String suite) throws IOException {
        double total = scenarios.stream().mapToLong(s -> s.took().toMillis()).sum() / 1000.0;
        long failures = scenarios.stream().filter(s -> !s.passed()).count();
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<testsuite name=\"").append(xml(suite)).append("\" tests=\"").append(scenarios.size())
                .append("\" failures=\"").append(failures).append("\" errors=\"0\" skipped=\"0\" time=\"").append(total).append("\">\n");
        for (Scenario s : scenarios) {
            x.append("  <testcase classname=\"").append(xml(suite)).append("\" name=\"").append(xml(s.name()))
                    .append("\" time=\"").append(s.took().toMillis() / 1000.0).append("\">\n");
            if (!s.passed()) x.append("    <failure message=\"").append(xml(s.failure())).append("\"/>\n");
            x.append("    <system-out>").append(xml(String.join("\n", s.evidence()))).append("</system-out>\n");
            x.append("  </testcase>\n");
        }
        x.append("</testsuite>\n");
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, x, StandardCharsets.UTF_8);
    }

    static String xml(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') b.append(c);
                }
            }
        }
        return b.toString();
    }
}

package dev.ward.cli.status;

import java.util.List;

/**
 * One section's report on one node.
 *
 * @param lines    what people read (the first beside the section's name, the rest below it)
 * @param problems why the node is unhealthy as far as this section goes; empty if it is not
 * @param details  what {@code -o json} shows (a record or map; null when there is nothing but the lines)
 */
public record SectionReport(List<String> lines, List<String> problems, Object details) {
    public SectionReport {
        lines = List.copyOf(lines);
        problems = List.copyOf(problems);
    }

    public static SectionReport note(String line) {
        return new SectionReport(List.of(line), List.of(), null);
    }

    public static SectionReport problem(String problem) {
        return new SectionReport(List.of(problem), List.of(problem), null);
    }
}

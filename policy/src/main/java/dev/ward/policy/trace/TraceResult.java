package dev.ward.policy.trace;

import java.util.ArrayList;
import java.util.List;

/** The verdict for a traced flow and every step that led to it. */
public record TraceResult(String verdict, String source, String destination, String flow, List<TraceStep> steps,
                          List<String> decidingRules, List<String> notes) {
    public TraceResult {
        steps = List.copyOf(steps);
        decidingRules = List.copyOf(decidingRules);
        notes = List.copyOf(notes);
    }

    public boolean allowed() {
        return verdict.equals("allowed");
    }

    static TraceResult of(String source, String destination, String flow, List<TraceStep> steps, List<String> notes) {
        boolean allowed = steps.stream().allMatch(TraceStep::allowed);
        List<String> deciding = new ArrayList<>();
        for (TraceStep s : steps) {
            // A denied flow is decided by the steps that denied it; an allowed one by every step.
            if (allowed || !s.allowed()) {
                for (String r : s.l7MatchedRules().isEmpty() ? s.rules() : s.l7MatchedRules()) {
                    if (!deciding.contains(r)) deciding.add(r);
                }
            }
        }
        return new TraceResult(allowed ? "allowed" : "denied", source, destination, flow, steps, deciding, notes);
    }
}

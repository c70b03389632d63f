package dev.ward.agent.encryption.kernel;

import java.util.List;

/**
 * The kernel refused some entries of a dataplane diff. Every other entry was applied as the diff's order says;
 * nothing was rolled back. Each refusal names the entry and the kernel's reason.
 */
public final class DataplaneRefusedException extends RuntimeException {
    /** One refused entry: what it was (e.g. "add SA spi 0x... 10.0.0.1->10.0.0.2") and why. */
    public record Refusal(String entry, String reason) {
        @Override
        public String toString() {
            return entry + ": " + reason;
        }
    }

    private final List<Refusal> refusals;

    public DataplaneRefusedException(List<Refusal> refusals) {
        super(message(refusals));
        this.refusals = List.copyOf(refusals);
    }

    public List<Refusal> refusals() {
        return refusals;
    }

    private static String message(List<Refusal> refusals) {
        StringBuilder s = new StringBuilder("the kernel refused ").append(refusals.size()).append(" dataplane entr")
                .append(refusals.size() == 1 ? "y" : "ies").append(" (the rest is applied):");
        refusals.forEach(r -> s.append("\n  ").append(r));
        return s.toString();
    }
}

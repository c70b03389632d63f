package dev.ward.netlink;

import java.util.List;

/**
 * The outcome of a batch, request by request. The kernel applies each message on its own: those not listed in
 * {@link #failures()} were applied, the failed ones were not, and nothing is rolled back.
 */
public record BatchResult(int requested, List<Failure> failures) {
    /** One refused request: its position in the batch, what it was about, and the kernel's reason. */
    public record Failure(int index, NetlinkRequest request, NetlinkException error) {}

    public BatchResult {
        failures = List.copyOf(failures);
    }

    public boolean allSucceeded() {
        return failures.isEmpty();
    }

    public int succeeded() {
        return requested - failures.size();
    }
}

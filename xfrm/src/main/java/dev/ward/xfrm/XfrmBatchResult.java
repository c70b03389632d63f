package dev.ward.xfrm;

import java.util.List;

/**
 * What a batch did: the kernel applied every item except those in {@link #failures()}, each with its position,
 * the item, and the kernel's reason. Nothing is rolled back or retried.
 */
public record XfrmBatchResult<T>(int requested, List<Failure<T>> failures) {
    public record Failure<T>(int index, T item, XfrmException error) {}

    public XfrmBatchResult {
        failures = List.copyOf(failures);
    }

    public boolean allSucceeded() {
        return failures.isEmpty();
    }

    public int succeeded() {
        return requested - failures.size();
    }
}

package dev.ward.cli.encryption;

import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.OutputOption;
import dev.ward.cli.identity.StoreOptions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Opens the encryption records at {@code --store} for wardctl, with store mistakes as one-line errors. */
final class EncryptionRecords {
    static final Clock CLOCK = Clock.systemUTC();

    private EncryptionRecords() {
    }

    /** Prints every node's status record as rows, in a table or as JSON. */
    static <R> void printStatuses(StoreOptions store, OutputOption out, Function<EncryptionStatus, R> row,
                                  BiFunction<List<R>, Instant, OutputOption.Table> table) {
        try (EncryptionStore s = open(store)) {
            Instant now = CLOCK.instant();
            List<R> rows = s.statuses().stream().sorted(java.util.Comparator.comparing(EncryptionStatus::node)).map(row).toList();
            out.print(System.out, rows, list -> table.apply(list, now));
        }
    }

    static EncryptionStore open(StoreOptions store) {
        try {
            return EncryptionStores.open(store.location(), CLOCK);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }
}

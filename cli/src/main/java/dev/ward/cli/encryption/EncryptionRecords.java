package dev.ward.cli.encryption;

import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.identity.StoreOptions;
import java.time.Clock;

/** Opens the encryption records at {@code --store} for wardctl, with store mistakes as one-line errors. */
final class EncryptionRecords {
    static final Clock CLOCK = Clock.systemUTC();

    private EncryptionRecords() {
    }

    static EncryptionStore open(StoreOptions store) {
        try {
            return EncryptionStores.open(store.location(), CLOCK);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }
}

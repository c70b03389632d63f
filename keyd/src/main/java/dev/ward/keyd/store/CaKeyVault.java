package dev.ward.keyd.store;

import dev.ward.store.Versioned;
import dev.ward.keyd.CaKeyring;

import java.util.Optional;

/** Where the CA private keys live: a Kubernetes Secret, or a file only keyd can read. Never etcd. */
public interface CaKeyVault {
    Optional<Versioned<CaKeyring>> load();

    /** Creates the keyring; false if one exists already (another {@code ca init} won). */
    boolean create(CaKeyring keyring);

    /** Replaces the keyring if it is still at {@code expectedVersion}; false if it changed meanwhile. */
    boolean replace(CaKeyring keyring, String expectedVersion);

    /** Where the keys are, for messages: "Secret ward-system/ward-ca", "key file /var/lib/ward/ca-keyring.pem". */
    String describe();

    /** The command that creates the CA here. */
    String initCommand();

    default Versioned<CaKeyring> require() {
        return load().orElseThrow(() -> new CaNotInitializedException(
                "CA key " + describe() + " not found: create the CA with `" + initCommand() + "`"));
    }
}

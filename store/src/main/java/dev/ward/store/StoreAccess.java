package dev.ward.store;

/**
 * Whether opening a store may create it. Only the commands that start a cluster's state create a directory store;
 * everything else opens what exists, so a mistyped {@code dir:PATH} is an error rather than an empty cluster.
 */
public enum StoreAccess {
    /** The store must exist already. */
    EXISTING,
    /** A directory store is created if missing ({@code wardctl ca init}, {@code wardctl node token create}). */
    CREATE
}

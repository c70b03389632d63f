package dev.ward.store;

/**
 * A value as read from a store with the version a compare-and-set must present to replace it (etcd's mod
 * revision, Kubernetes' resourceVersion, a content hash for the key file). Opaque to callers.
 */
public record Versioned<T>(T value, String version) {}

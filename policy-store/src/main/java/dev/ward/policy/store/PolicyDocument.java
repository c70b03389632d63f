package dev.ward.policy.store;

/** One policy object read from a store, as text the policy parser reads, and where it came from. */
public record PolicyDocument(String origin, String text) {}

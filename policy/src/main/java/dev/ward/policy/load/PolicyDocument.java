package dev.ward.policy.load;

/** One policy document as text the policy parser reads, and where it came from (a file, a store key, an object). */
public record PolicyDocument(String origin, String text) {}

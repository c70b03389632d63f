package dev.ward.netlink.route;

/**
 * A policy routing rule ({@code ip rule}): packets of {@code family} whose mark matches {@code mark} under
 * {@code mask} look up routing table {@code table}, at preference {@code priority}.
 */
public record FibRule(int family, int priority, int mark, int mask, int table) {}

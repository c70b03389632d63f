package dev.ward.dnsproxy.fqdn;

import java.net.InetAddress;

/** One learned fact: {@code endpoint} was told {@code name} is at {@code address}, allowed until {@code expiresAtMillis}. */
public record FqdnEntry(String endpoint, String name, InetAddress address, long expiresAtMillis) {}

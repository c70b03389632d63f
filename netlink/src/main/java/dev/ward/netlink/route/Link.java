package dev.ward.netlink.route;

/** A network interface as the kernel reports it. {@code kind} is e.g. "veth" or "bridge", null for physical. */
public record Link(int index, String name, int mtu, boolean up, String kind, int masterIndex) {}

package dev.ward.xfrm;

/** An SA as read back from the kernel: its configuration and its counters. */
public record InstalledSa(SecurityAssociation association, SaCounters counters) {}

package dev.ward.xfrm;

/** A policy as read back from the kernel, with the index the kernel gave it. */
public record InstalledPolicy(XfrmPolicy policy, int index) {}

package dev.ward.xfrm;

/**
 * Asks the kernel to put the SA on a NIC's crypto engine (XFRMA_OFFLOAD_DEV). The kernel falls back to
 * software when the device cannot offload, so the request is a hint, not a guarantee.
 */
public record OffloadRequest(int ifindex, boolean inbound) {}

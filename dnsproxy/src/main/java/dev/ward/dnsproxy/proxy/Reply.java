package dev.ward.dnsproxy.proxy;

/**
 * What to send the pod. {@code datapathConfirmedNanos} is when the datapath confirmed the answer's addresses
 * ({@link System#nanoTime}), or 0 when the answer taught none; the transport reports the release against it.
 */
public record Reply(byte[] wire, long datapathConfirmedNanos) {}

package dev.ward.bpf.datapath;

import dev.ward.netlink.Errno;
import dev.ward.netlink.IpPrefix;

/** The ipcache could not take a prefix; its addresses keep the identity of a shorter prefix (or world). */
public final class IpCacheFullException extends RuntimeException {
    public IpCacheFullException(IpPrefix prefix, int errno, int capacity) {
        super("ipcache: cannot map " + prefix + ": " + Errno.describe(errno) + " (the ipcache holds " + capacity
                + " prefixes; raise the datapath's ipcache size)");
    }
}

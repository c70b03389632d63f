package dev.ward.bpf.sys;

import dev.ward.netlink.Errno;

import java.util.List;

/** A libbpf call that failed: the call, the errno, and what libbpf itself printed while it ran. */
public class LibbpfException extends RuntimeException {
    private final String call;
    private final int errno;
    private final List<String> libbpfMessages;

    public LibbpfException(String call, int errno, List<String> libbpfMessages) {
        super(call + ": " + Errno.describe(errno) + (libbpfMessages.isEmpty() ? "" : " (libbpf: " + String.join(" | ", libbpfMessages) + ")"));
        this.call = call;
        this.errno = errno;
        this.libbpfMessages = List.copyOf(libbpfMessages);
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    public List<String> libbpfMessages() {
        return libbpfMessages;
    }
}

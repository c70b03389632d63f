package dev.ward.netlink;

/**
 * The kernel refused a request. Carries the errno, the kernel's own reason when it gave one (extended ACK), and
 * the name of the object the request was about, so the message alone tells an operator what failed and why.
 */
public class NetlinkException extends RuntimeException {
    private final int errno;
    private final String subject;
    private final String kernelMessage;

    public NetlinkException(String subject, int errno, String kernelMessage) {
        this(subject, errno, kernelMessage, null);
    }

    protected NetlinkException(String subject, int errno, String kernelMessage, String hint) {
        super(subject + ": " + (kernelMessage == null ? Errno.text(errno) : kernelMessage)
                + " (" + Errno.name(errno) + ")" + (hint == null ? "" : "; " + hint));
        this.errno = errno;
        this.subject = subject;
        this.kernelMessage = kernelMessage;
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }

    /** What the request was about, e.g. {@code SA esp spi 0x00001000 dst 10.0.0.2}. */
    public String subject() {
        return subject;
    }

    /** The kernel's extended-ACK text, or null when the kernel gave only an errno. */
    public String kernelMessage() {
        return kernelMessage;
    }

    /** The kernel's reason: its own text if it gave one, else the errno's. */
    public String reason() {
        return kernelMessage == null ? Errno.text(errno) : kernelMessage;
    }
}

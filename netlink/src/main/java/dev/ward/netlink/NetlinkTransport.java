package dev.ward.netlink;

import java.nio.ByteBuffer;

/**
 * Moves datagrams to and from the kernel and knows nothing of requests. {@link NetlinkSocket} is the real one;
 * tests put a scripted kernel behind this interface.
 */
public interface NetlinkTransport extends AutoCloseable {
    /** Sends one datagram (one sendmsg). */
    void send(ByteBuffer datagram);

    /**
     * Receives one datagram.
     *
     * @throws NetlinkTimeoutException when nothing arrives within the transport's receive timeout
     */
    ByteBuffer receive();

    /** The largest datagram {@link #send} accepts; batches are cut to fit. */
    int maxSendBytes();

    /**
     * How many requests one send may carry so that, if every one of them fails, all the error replies still fit
     * the receive buffer (a reply the kernel cannot queue is dropped, and its request's outcome would be unknown).
     */
    default int maxMessagesPerSend() {
        return 512;
    }

    @Override
    void close();
}

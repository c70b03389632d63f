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

    @Override
    void close();
}

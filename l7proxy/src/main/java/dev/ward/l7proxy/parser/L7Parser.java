package dev.ward.l7proxy.parser;

import java.nio.ByteBuffer;

/**
 * A protocol parser for one proxied connection. The proxy calls it from one thread at a time with the unconsumed
 * bytes of either stream; the answer says what to do with them.
 *
 * <p>{@code data} always starts at a message boundary (everything before it was passed or dropped), is read-only,
 * and may hold less than a message or several. It is only valid during the call. {@code endStream} says the
 * sender closed its side: nothing follows {@code data}. A parser may throw: the proxy then closes the connection,
 * logs the failure and carries on with its other connections.
 */
public interface L7Parser {

    Op onData(Side side, ByteBuffer data, boolean endStream);

    /** The connection closed (either side, or the proxy). */
    default void onClose() {}
}

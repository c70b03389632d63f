package dev.ward.l7proxy.parser;

/**
 * What a parser tells the proxy to do with the bytes of one stream, modelled on Cilium's proxylib verdicts. The
 * proxy applies one op and asks again, until the parser answers {@link More} or {@link Nop}.
 */
public sealed interface Op {

    /** The parser needs at least {@code bytes} more bytes than it was given before it can decide. */
    record More(int bytes) implements Op {}

    /**
     * Forward the next {@code bytes} bytes unchanged. May exceed what the parser was given: the rest is forwarded
     * as it arrives without asking the parser again (a request body, a fetched record batch).
     */
    record Pass(long bytes) implements Op {}

    /** Discard the next {@code bytes} bytes; like {@link Pass}, may exceed what the parser was given. */
    record Drop(long bytes) implements Op {}

    /**
     * Append {@code bytes} to the stream {@code side} now: {@code REPLY} sends them to the client (an error
     * response), {@code REQUEST} to the server.
     */
    record Inject(Side side, byte[] bytes) implements Op {}

    /**
     * The input cannot be parsed or must not be forwarded: the proxy closes the connection. {@code tooLarge} marks
     * a message over the parser's size limit (counted apart from malformed input).
     */
    record Error(String reason, boolean tooLarge) implements Op {}

    /** Nothing to do until more bytes arrive on either stream. */
    enum Nop implements Op { INSTANCE }

    static Op more(int bytes) {
        return new More(bytes);
    }

    static Op pass(long bytes) {
        return new Pass(bytes);
    }

    static Op drop(long bytes) {
        return new Drop(bytes);
    }

    static Op inject(Side side, byte[] bytes) {
        return new Inject(side, bytes);
    }

    static Op error(String reason) {
        return new Error(reason, false);
    }

    static Op tooLarge(String reason) {
        return new Error(reason, true);
    }

    static Op nop() {
        return Nop.INSTANCE;
    }
}

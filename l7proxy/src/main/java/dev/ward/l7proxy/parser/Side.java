package dev.ward.l7proxy.parser;

/** One of a connection's two byte streams: the client's requests, or the server's replies. */
public enum Side {
    REQUEST, REPLY;

    public Side other() {
        return this == REQUEST ? REPLY : REQUEST;
    }

    public String lower() {
        return this == REQUEST ? "request" : "reply";
    }
}

package dev.ward.l7proxy.parser;

/**
 * Makes the parser for each connection whose redirect names this factory's protocol ({@code l7proto}, or
 * {@code http} / {@code kafka} for the typed rules). Found through {@link java.util.ServiceLoader}: list the class
 * in {@code META-INF/services/dev.ward.l7proxy.parser.L7ParserFactory}.
 */
public interface L7ParserFactory {

    /** The protocol name rules use: {@code l7proto: NAME}. */
    String name();

    /**
     * The most bytes of one stream the proxy holds for this parser while it answers {@link Op.More}: a request
     * larger than this is refused and the connection closed, so hostile input cannot grow memory.
     */
    default int maxBufferedBytes() {
        return 64 * 1024;
    }

    L7Parser create(ParserContext context);
}

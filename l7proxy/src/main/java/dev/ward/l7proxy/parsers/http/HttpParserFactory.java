package dev.ward.l7proxy.parsers.http;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.ParserContext;

/** HTTP/1.1, for ports whose rules are {@code http:} rules. */
public final class HttpParserFactory implements L7ParserFactory {
    @Override
    public String name() {
        return "http";
    }

    @Override
    public int maxBufferedBytes() {
        return HttpParser.MAX_HEAD;
    }

    @Override
    public L7Parser create(ParserContext context) {
        return new HttpParser(context);
    }
}

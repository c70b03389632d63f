package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.ParserContext;

/** memcached text and binary, for {@code l7proto: memcache} rules (command, keyExact, keyPrefix, keyRegex). */
public final class MemcacheParserFactory implements L7ParserFactory {
    @Override
    public String name() {
        return "memcache";
    }

    @Override
    public int maxBufferedBytes() {
        return MemcacheTextProtocol.MAX_LINE;
    }

    @Override
    public L7Parser create(ParserContext context) {
        return new MemcacheParser(context);
    }
}

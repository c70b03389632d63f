package dev.ward.l7proxy.parsers.r2d2;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.ParserContext;

public final class R2d2ParserFactory implements L7ParserFactory {
    @Override
    public String name() {
        return "r2d2";
    }

    @Override
    public int maxBufferedBytes() {
        return R2d2Parser.MAX_LINE;
    }

    @Override
    public L7Parser create(ParserContext context) {
        return new R2d2Parser(context);
    }
}

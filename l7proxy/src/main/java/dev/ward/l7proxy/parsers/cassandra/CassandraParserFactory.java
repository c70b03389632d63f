package dev.ward.l7proxy.parsers.cassandra;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.ParserContext;

/** Cassandra's native protocol, for {@code l7proto: cassandra} rules (query_action, query_table). */
public final class CassandraParserFactory implements L7ParserFactory {
    private final CqlPrepared prepared = new CqlPrepared();

    @Override
    public String name() {
        return "cassandra";
    }

    @Override
    public int maxBufferedBytes() {
        return CassandraParser.MAX_ENVELOPE + 64 * 1024;
    }

    @Override
    public L7Parser create(ParserContext context) {
        return new CassandraParser(context, prepared);
    }
}

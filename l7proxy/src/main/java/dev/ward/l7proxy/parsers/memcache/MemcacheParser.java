package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parser.Side;

import java.nio.ByteBuffer;

/**
 * memcached, text or binary: like memcached itself, the first byte of the connection decides (0x80 is binary)
 * and the connection keeps that protocol.
 */
final class MemcacheParser implements L7Parser {
    private final MemcacheRules rules;
    private MemcacheTextProtocol text;
    private MemcacheBinaryProtocol binary;

    MemcacheParser(ParserContext context) {
        this.rules = new MemcacheRules(context);
    }

    @Override
    public Op onData(Side side, ByteBuffer data, boolean endStream) {
        if (text == null && binary == null) {
            if (!data.hasRemaining()) return Op.more(1);
            if (side == Side.REPLY) return Op.error("memcached server spoke before the client");
            if ((data.get(data.position()) & 0xff) == 0x80) binary = new MemcacheBinaryProtocol(rules);
            else text = new MemcacheTextProtocol(rules);
        }
        if (binary != null) return side == Side.REQUEST ? binary.request(data) : binary.reply(data);
        return side == Side.REQUEST ? text.request(data) : text.reply(data);
    }
}

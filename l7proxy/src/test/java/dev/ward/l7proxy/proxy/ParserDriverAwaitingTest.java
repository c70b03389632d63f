package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.Side;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the header timeout's clock runs, at the byte level: while the first request is due, and while the parser
 * holds part of a message; not while a passed body streams by, nor while the parser waits for the server.
 */
class ParserDriverAwaitingTest {

    /** Lines; {@code BODY n} passes n more bytes unread; {@code WAIT} holds until a reply line arrives. */
    static final class LineParser implements L7Parser {
        boolean replied;

        @Override
        public Op onData(Side side, ByteBuffer data, boolean endStream) {
            int end = -1;
            for (int i = data.position(); i < data.limit(); i++) {
                if (data.get(i) == '\n') {
                    end = i;
                    break;
                }
            }
            if (end < 0) return Op.more(1);
            int length = end - data.position() + 1;
            if (side == Side.REPLY) {
                replied = true;
                return Op.pass(length);
            }
            byte[] line = new byte[length - 1];
            data.get(data.position(), line);
            String text = new String(line, StandardCharsets.US_ASCII);
            if (text.startsWith("BODY ")) return Op.pass(length + Long.parseLong(text.substring(5)));
            if (text.equals("WAIT") && !replied) return Op.nop();
            return Op.pass(length);
        }
    }

    static final class Discard implements ParserDriver.Output {
        @Override
        public void forward(Side side, ByteBuf bytes) {
            bytes.release();
        }

        @Override
        public void inject(Side side, ByteBuf bytes) {
            bytes.release();
        }

        @Override
        public void stall(Side side, boolean stalled) {}

        @Override
        public void finished(Side side) {}

        @Override
        public void fail(ErrorKind kind, String reason) {
            throw new AssertionError(kind + ": " + reason);
        }
    }

    static void send(ParserDriver d, Side side, String text) {
        d.received(side, Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
    }

    @Test
    void theClockRunsForTheFirstRequestAndForPartialMessagesOnly() {
        ParserDriver d = new ParserDriver(new LineParser(), 1024, new Discard());
        assertTrue(d.awaitingRequest(), "nothing handled yet: the first request is due");
        send(d, Side.REQUEST, "GET");
        assertTrue(d.awaitingRequest(), "part of a line held");
        send(d, Side.REQUEST, " a\n");
        assertFalse(d.awaitingRequest(), "between messages the idle timeout applies, not the header timeout");
        send(d, Side.REQUEST, "BODY 10\nabc");
        assertFalse(d.awaitingRequest(), "a passed body streams by");
        send(d, Side.REQUEST, "defghij");
        assertFalse(d.awaitingRequest(), "the body is complete and nothing else began");
        send(d, Side.REQUEST, "WAIT\n");
        assertFalse(d.awaitingRequest(), "the parser waits for the server, not for the client");
        send(d, Side.REPLY, "done\n");
        assertFalse(d.awaitingRequest(), "the held message was handled once the reply came");
        send(d, Side.REQUEST, "x");
        assertTrue(d.awaitingRequest(), "a new message began");
    }

    @Test
    void aClientThatEndedItsStreamIsAwaitedNoLonger() {
        ParserDriver d = new ParserDriver(new LineParser(), 1024, new Discard());
        d.ended(Side.REQUEST);
        assertFalse(d.awaitingRequest(), "nothing more can come");
    }
}

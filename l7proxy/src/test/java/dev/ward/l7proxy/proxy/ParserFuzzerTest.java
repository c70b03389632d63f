package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parsers.r2d2.R2d2ParserFactory;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** The fuzzer catches the faults it is there for: a parser that passes what it did not read. */
class ParserFuzzerTest {
    /** Reads r2d2 lines like the real parser, but passes any bytes after a line unread. */
    static final class Sloppy implements L7ParserFactory {
        private final L7ParserFactory real = new R2d2ParserFactory();

        @Override
        public String name() {
            return "r2d2";
        }

        @Override
        public L7Parser create(ParserContext context) {
            L7Parser p = real.create(context);
            return (side, data, end) -> {
                Op op = p.onData(side, data, end);
                return op instanceof Op.Pass ? Op.pass(data.remaining()) : op;
            };
        }
    }

    @Test
    void aParserPassingUnreadBytesIsCaught() {
        List<byte[]> seeds = List.of("READ /public/a\r\n", "READ /secret\r\n").stream()
                .map(s -> s.getBytes(StandardCharsets.US_ASCII)).toList();
        var lookup = dev.ward.l7proxy.parsers.r2d2.R2d2ParserTestAccess.lookup();
        ParserFuzzer f = new ParserFuzzer(new Sloppy(), lookup, Direction.INGRESS, "10.1.0.1", "10.1.0.9", 4242)
                .oracle(new R2d2ParserFactory());
        assertThrows(AssertionError.class, () -> f.run(seeds, 2000, 3));
    }
}

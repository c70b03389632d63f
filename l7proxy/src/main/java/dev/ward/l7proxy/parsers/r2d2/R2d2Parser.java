package dev.ward.l7proxy.parsers.r2d2;

import dev.ward.l7proxy.parser.Decision;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parser.Side;
import dev.ward.policy.l7.L7Request;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * The R2-D2 control protocol of Cilium's parser example: one request per line, {@code READ file}, {@code WRITE
 * file}, {@code HALT} or {@code RESET}, each line ending in CRLF; replies are lines too. Rules match {@code cmd}
 * (exactly) and {@code file} (a regular expression). A denied request is dropped and answered {@code ERROR}.
 */
public final class R2d2Parser implements L7Parser {
    static final int MAX_LINE = 1024;
    private static final Set<String> COMMANDS = Set.of("READ", "WRITE", "HALT", "RESET");
    private static final byte[] DENIED = "ERROR\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ParserContext context;
    /** Length of a denied request whose ERROR reply went out; it is dropped on the next call. */
    private int deniedLength;

    public R2d2Parser(ParserContext context) {
        this.context = context;
    }

    @Override
    public Op onData(Side side, ByteBuffer data, boolean endStream) {
        if (side == Side.REQUEST && deniedLength > 0) {
            int n = deniedLength;
            deniedLength = 0;
            return Op.drop(n);
        }
        int length = lineLength(data);
        // No CRLF yet: ask for one more byte. The proxy refuses a line longer than maxBufferedBytes().
        if (length < 0) return Op.more(1);
        if (side == Side.REPLY) return Op.pass(length);

        String line = new String(bytes(data, length - 2), StandardCharsets.US_ASCII);
        String[] words = line.split(" ", -1);
        String cmd = words[0];
        if (!COMMANDS.contains(cmd)) return Op.error("unknown r2d2 command '" + cmd + "'");
        boolean wantsFile = cmd.equals("READ") || cmd.equals("WRITE");
        if (words.length != (wantsFile ? 2 : 1) || (wantsFile && words[1].isEmpty())) {
            return Op.error("r2d2 " + cmd + (wantsFile ? " takes one file name" : " takes no argument"));
        }
        String file = wantsFile ? words[1] : "";

        Decision d = context.decide(new L7Request.Generic("r2d2", Map.of("cmd", cmd, "file", file)));
        if (d.allowed()) return Op.pass(length);
        deniedLength = length;
        return Op.inject(Side.REPLY, DENIED);
    }

    /** Bytes up to and including the first CRLF, or -1 when there is none yet. */
    private static int lineLength(ByteBuffer data) {
        int start = data.position();
        for (int i = start; i + 1 < data.limit(); i++) {
            if (data.get(i) == '\r' && data.get(i + 1) == '\n') return i - start + 2;
        }
        return -1;
    }

    private static byte[] bytes(ByteBuffer data, int n) {
        byte[] out = new byte[n];
        data.get(data.position(), out);
        return out;
    }
}

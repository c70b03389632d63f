package dev.ward.l7proxy.parsers.http;

import dev.ward.l7proxy.parser.Decision;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parser.Side;
import dev.ward.policy.l7.L7Request;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 with keep-alive and pipelining. Each request head is parsed strictly and decided by the rules (method,
 * path, host, headers); its body streams through (or is dropped) by its framing, chunked bodies chunk by chunk.
 * A denied request is answered 403 in its turn: replies are matched to requests in order, so the 403 goes out
 * after the responses to the requests before it, and the connection stays usable.
 */
final class HttpParser implements L7Parser {
    static final int MAX_HEAD = 64 * 1024;
    /** Requests in flight on one connection before the parser waits for replies. */
    static final int MAX_OUTSTANDING = 64;
    private static final byte[] FORBIDDEN = response(403, "Forbidden", "Access denied\r\n", false);
    private static final byte[] BAD_REQUEST = response(400, "Bad Request", "Bad request\r\n", true);

    /** A request not yet answered: forwarded (the server will answer) or denied (the proxy will, in its turn). */
    private record Pending(L7Request.Http request, String method, boolean denied) {}

    private final ParserContext context;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final ArrayDeque<Op> requestOps = new ArrayDeque<>();
    private final ArrayDeque<Op> replyOps = new ArrayDeque<>();
    private ChunkedBody requestChunks;
    private ChunkedBody replyChunks;
    private boolean replyComplete;
    private int replyStatus;

    HttpParser(ParserContext context) {
        this.context = context;
    }

    @Override
    public Op onData(Side side, ByteBuffer data, boolean endStream) {
        return side == Side.REQUEST ? request(data) : reply(data);
    }

    // ---- requests ----------------------------------------------------------------------------------------

    private Op request(ByteBuffer data) {
        if (!requestOps.isEmpty()) return requestOps.poll();
        if (requestChunks != null) {
            if (!requestChunks.done()) return requestChunks.next(data);
            requestChunks = null;
        }
        if (!data.hasRemaining()) return Op.more(1);
        if (pending.size() >= MAX_OUTSTANDING) return Op.nop();
        // RFC 9112 2.2: an empty line before a request line is ignored.
        if (data.get(data.position()) == '\r') {
            if (data.remaining() < 2) return Op.more(1);
            if (data.get(data.position() + 1) == '\n') return Op.drop(2);
        }
        int length = HttpHead.headLength(data);
        if (length < 0) return Op.more(1);
        if (length > MAX_HEAD) return Op.tooLarge("request head of " + length + " bytes (limit " + MAX_HEAD + ")");
        try {
            return head(HttpHead.parse(data, length), length);
        } catch (HttpSyntaxException e) {
            return refuse("malformed HTTP request: " + e.getMessage());
        }
    }

    private Op head(HttpHead head, int length) throws HttpSyntaxException {
        String method = head.first();
        if (!HttpHead.isToken(method)) throw new HttpSyntaxException("invalid method '" + HttpHead.clip(method) + "'");
        String version = head.third();
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new HttpSyntaxException("unsupported version '" + HttpHead.clip(version) + "'");
        }
        List<String> hosts = head.values("Host");
        if (hosts.size() > 1) throw new HttpSyntaxException("more than one Host header");
        String host = hosts.isEmpty() ? null : hosts.getFirst();
        if (host == null && version.equals("HTTP/1.1")) throw new HttpSyntaxException("HTTP/1.1 request without Host");
        String target = head.second();
        String path;
        if (target.startsWith("/")) {
            path = target;
        } else if (target.equals("*") && method.equals("OPTIONS")) {
            path = target;
        } else if (target.regionMatches(true, 0, "http://", 0, 7)) {
            int slash = target.indexOf('/', 7);
            host = slash < 0 ? target.substring(7) : target.substring(7, slash);
            path = slash < 0 ? "/" : target.substring(slash);
        } else if (method.equals("CONNECT")) {
            throw new HttpSyntaxException("CONNECT tunnels are not proxied");
        } else {
            throw new HttpSyntaxException("request target '" + HttpHead.clip(target) + "' is not a path");
        }
        checkPath(path);
        long body = head.bodyFraming(true);
        L7Request.Http request = new L7Request.Http(method, path, host, head.fieldMap());
        Decision d = context.decide(request);
        boolean pass = d.allowed();
        if (pass) {
            pending.add(new Pending(request, method, false));
            requestOps.add(Op.pass(length));
        } else if (pending.isEmpty()) {
            context.reply(request, true, Map.of("status", "403"));
            requestOps.add(Op.inject(Side.REPLY, FORBIDDEN));
            requestOps.add(Op.drop(length));
        } else {
            pending.add(new Pending(request, method, true));
            requestOps.add(Op.drop(length));
        }
        if (body == HttpHead.CHUNKED) requestChunks = new ChunkedBody(pass);
        else if (body > 0) requestOps.add(pass ? Op.pass(body) : Op.drop(body));
        return requestOps.poll();
    }

    /**
     * Paths whose meaning depends on normalisation are refused: a rule admitting {@code /public/.*} must not
     * admit {@code /public/../admin}, which the server resolves elsewhere.
     */
    private static void checkPath(String path) throws HttpSyntaxException {
        int q = path.indexOf('?');
        String p = (q < 0 ? path : path.substring(0, q)).toLowerCase(Locale.ROOT);
        if (p.contains("/./") || p.contains("/../") || p.endsWith("/.") || p.endsWith("/..") || p.indexOf('\\') >= 0
                || p.contains("%2e") || p.contains("%2f") || p.contains("%5c") || p.contains("%00")) {
            throw new HttpSyntaxException("path '" + HttpHead.clip(path) + "' has dot segments or encoded separators");
        }
    }

    /** Answers 400 when nothing is in flight (so the reply is in turn), then closes. */
    private Op refuse(String reason) {
        requestOps.clear();
        if (pending.isEmpty()) {
            requestOps.add(Op.error(reason));
            return Op.inject(Side.REPLY, BAD_REQUEST);
        }
        return Op.error(reason);
    }

    // ---- replies -----------------------------------------------------------------------------------------

    private Op reply(ByteBuffer data) {
        if (!replyOps.isEmpty()) return replyOps.poll();
        if (replyChunks != null) {
            if (!replyChunks.done()) return replyChunks.next(data);
            replyChunks = null;
            replyComplete = true;
        }
        if (replyComplete) {
            replyComplete = false;
            complete();
            if (!replyOps.isEmpty()) return replyOps.poll();
        }
        if (!data.hasRemaining()) return Op.more(1);
        int length = HttpHead.headLength(data);
        if (length < 0) return Op.more(1);
        if (length > MAX_HEAD) return Op.tooLarge("response head of " + length + " bytes (limit " + MAX_HEAD + ")");
        try {
            return replyHead(HttpHead.parse(data, length), length);
        } catch (HttpSyntaxException e) {
            return Op.error("malformed HTTP response: " + e.getMessage());
        }
    }

    private Op replyHead(HttpHead head, int length) throws HttpSyntaxException {
        if (!head.first().startsWith("HTTP/1.")) throw new HttpSyntaxException("not an HTTP/1 status line");
        String code = head.second();
        if (code.length() != 3 || !code.chars().allMatch(Character::isDigit)) {
            throw new HttpSyntaxException("invalid status '" + HttpHead.clip(code) + "'");
        }
        int status = Integer.parseInt(code);
        Pending p = pending.peek();
        if (status == 101) throw new HttpSyntaxException("protocol upgrades (101) are not proxied");
        if (status < 200) {
            return Op.pass(length);
        }
        String method = p == null ? "GET" : p.method();
        if (method.equals("CONNECT")) throw new HttpSyntaxException("CONNECT tunnels are not proxied");
        replyStatus = status;
        replyOps.add(Op.pass(length));
        if (method.equals("HEAD") || status == 204 || status == 304) {
            replyComplete = true;
        } else {
            long body = head.bodyFraming(false);
            if (body == HttpHead.CHUNKED) {
                replyChunks = new ChunkedBody(true);
            } else if (body == HttpHead.UNTIL_CLOSE) {
                replyOps.add(Op.pass(Long.MAX_VALUE));
            } else {
                if (body > 0) replyOps.add(Op.pass(body));
                replyComplete = true;
            }
        }
        return replyOps.poll();
    }

    /** A response ended: log it against its request, then answer the denied requests that were waiting behind it. */
    private void complete() {
        Pending done = pending.poll();
        if (done != null) context.reply(done.request(), false, Map.of("status", Integer.toString(replyStatus)));
        while (!pending.isEmpty() && pending.peek().denied()) {
            Pending d = pending.poll();
            context.reply(d.request(), true, Map.of("status", "403"));
            replyOps.add(Op.inject(Side.REPLY, FORBIDDEN));
        }
    }

    private static byte[] response(int status, String reason, String body, boolean close) {
        String s = "HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: text/plain\r\ncontent-length: " + body.length()
                + "\r\n" + (close ? "connection: close\r\n" : "") + "\r\n" + body;
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

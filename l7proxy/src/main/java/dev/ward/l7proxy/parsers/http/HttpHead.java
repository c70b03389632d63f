package dev.ward.l7proxy.parsers.http;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed HTTP/1.x message head: the start line and the header fields, read strictly. Everything that lets two
 * HTTP implementations disagree on where a message ends or what it asks for is refused rather than guessed:
 * bare LF line ends, obsolete line folding, whitespace before a colon, control characters, and (in
 * {@link #bodyFraming}) conflicting or duplicated framing headers.
 */
record HttpHead(String first, String second, String third, List<String[]> fields) {
    static final long UNTIL_CLOSE = -2;
    static final long CHUNKED = -1;

    /** Length of the head including its final empty line, or -1 when incomplete. */
    static int headLength(ByteBuffer data) {
        int start = data.position();
        int end = data.limit();
        for (int i = start + 3; i < end; i++) {
            if (data.get(i) == '\n' && data.get(i - 1) == '\r' && data.get(i - 2) == '\n' && data.get(i - 3) == '\r') {
                return i - start + 1;
            }
        }
        return -1;
    }

    static HttpHead parse(ByteBuffer data, int length) throws HttpSyntaxException {
        int pos = data.position();
        int end = pos + length - 2; // the last CRLF ends the head, not a field
        List<String> lines = new ArrayList<>();
        int lineStart = pos;
        for (int i = pos; i < end; i++) {
            byte b = data.get(i);
            if (b == '\r') {
                if (i + 1 >= end + 2 || data.get(i + 1) != '\n') throw new HttpSyntaxException("CR without LF in the head");
                lines.add(ascii(data, lineStart, i));
                i++;
                lineStart = i + 1;
            } else if (b == '\n') {
                throw new HttpSyntaxException("bare LF line end in the head");
            } else if (b == 0 || (b < 0x20 && b != '\t') || b == 0x7f) {
                throw new HttpSyntaxException("control character 0x" + Integer.toHexString(b & 0xff) + " in the head");
            }
        }
        if (lines.isEmpty() || lines.getFirst().isEmpty()) throw new HttpSyntaxException("empty start line");
        String[] start = lines.getFirst().split(" ", 3);
        if (start.length != 3 || start[0].isEmpty() || start[1].isEmpty()) {
            throw new HttpSyntaxException("malformed start line '" + clip(lines.getFirst()) + "'");
        }
        List<String[]> fields = new ArrayList<>(lines.size() - 1);
        for (int k = 1; k < lines.size(); k++) {
            String line = lines.get(k);
            if (line.isEmpty()) throw new HttpSyntaxException("empty header line");
            char c0 = line.charAt(0);
            if (c0 == ' ' || c0 == '\t') throw new HttpSyntaxException("obsolete header line folding");
            int colon = line.indexOf(':');
            if (colon <= 0) throw new HttpSyntaxException("header line without a name: '" + clip(line) + "'");
            String name = line.substring(0, colon);
            if (!isToken(name)) throw new HttpSyntaxException("invalid header name '" + clip(name) + "'");
            fields.add(new String[] {name, line.substring(colon + 1).strip()});
        }
        return new HttpHead(start[0], start[1], start[2], fields);
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /** All values of a field, in order. */
    List<String> values(String name) {
        List<String> out = new ArrayList<>(1);
        for (String[] f : fields) if (f[0].equalsIgnoreCase(name)) out.add(f[1]);
        return out;
    }

    /** Field names to values, repeated fields joined with ", " as HTTP combines them. */
    Map<String, String> fieldMap() {
        Map<String, String> m = new LinkedHashMap<>();
        Map<String, String> canonical = new LinkedHashMap<>();
        for (String[] f : fields) {
            String key = canonical.computeIfAbsent(f[0].toLowerCase(Locale.ROOT), k -> f[0]);
            m.merge(key, f[1], (a, b) -> a + ", " + b);
        }
        return m;
    }

    /**
     * The body's length: bytes, {@link #CHUNKED}, or (responses only) {@link #UNTIL_CLOSE}. Refuses a message with
     * both Transfer-Encoding and Content-Length, more than one Content-Length, a coding other than chunked, or a
     * length that is not a plain decimal number: the ways a request is smuggled past one parser to another.
     */
    long bodyFraming(boolean request) throws HttpSyntaxException {
        List<String> te = values("Transfer-Encoding");
        List<String> cl = values("Content-Length");
        if (!te.isEmpty() && !cl.isEmpty()) {
            throw new HttpSyntaxException("both Transfer-Encoding and Content-Length");
        }
        if (cl.size() > 1) throw new HttpSyntaxException("more than one Content-Length");
        if (!te.isEmpty()) {
            if (te.size() > 1 || !te.getFirst().equalsIgnoreCase("chunked")) {
                throw new HttpSyntaxException("Transfer-Encoding '" + clip(String.join(", ", te)) + "' (only chunked is accepted)");
            }
            if (request && third.equals("HTTP/1.0")) throw new HttpSyntaxException("Transfer-Encoding in an HTTP/1.0 request");
            return CHUNKED;
        }
        if (!cl.isEmpty()) {
            String v = cl.getFirst();
            if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new HttpSyntaxException("invalid Content-Length '" + clip(v) + "'");
            }
            return Long.parseLong(v);
        }
        return request ? 0 : UNTIL_CLOSE;
    }

    private static String ascii(ByteBuffer b, int from, int to) {
        char[] c = new char[to - from];
        for (int i = from; i < to; i++) c[i - from] = (char) (b.get(i) & 0xff);
        return new String(c);
    }

    static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}

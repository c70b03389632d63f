package dev.ward.xfrm;

import dev.ward.testbed.IpCommand;
import dev.ward.netlink.IpPrefix;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads xfrm state and policy through iproute2's text output, independently of Ward's netlink decoding, into
 * Ward's types so that a comparison is field for field.
 */
public final class IpXfrmReader {
    private IpXfrmReader() {}

    /** One SA as {@code ip -s xfrm state} shows it, with the traffic counters it printed. */
    public record IpSa(SecurityAssociation sa, long bytes, long packets) {}

    public static List<IpSa> states(String netns) {
        return parseStates(IpCommand.run("-n", netns, "-s", "xfrm", "state"));
    }

    public static List<XfrmPolicy> policies(String netns) {
        return parsePolicies(IpCommand.run("-n", netns, "xfrm", "policy"));
    }

    static List<String> blocks(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("src ")) {
                if (cur != null) out.add(cur.toString());
                cur = new StringBuilder();
            }
            if (cur != null) cur.append(line).append('\n');
        }
        if (cur != null) out.add(cur.toString());
        return out;
    }

    private static Matcher find(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m : null;
    }

    private static Matcher require(String regex, String text) {
        Matcher m = find(regex, text);
        if (m == null) throw new AssertionError("ip output lacks /" + regex + "/ in:\n" + text);
        return m;
    }

    static int protocol(String name) {
        return switch (name) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "ipv6-icmp", "icmpv6" -> 58;
            case "sctp" -> 132;
            default -> Integer.parseInt(name);
        };
    }

    private static final String SELECTOR = "src (\\S+) dst (\\S+)(?: proto (\\S+))?(?: sport (\\d+))?(?: dport (\\d+))?";

    private static Selector selector(Matcher m) {
        return new Selector(IpPrefix.parse(m.group(1)), IpPrefix.parse(m.group(2)),
                m.group(3) == null ? 0 : protocol(m.group(3)),
                m.group(4) == null ? 0 : Integer.parseInt(m.group(4)), m.group(5) == null ? 0 : Integer.parseInt(m.group(5)));
    }

    private static Mark mark(String keyword, String text) {
        Matcher m = find("(?<![-\\w])" + keyword + " (0x[0-9a-f]+)/(0x[0-9a-f]+)", text);
        return m == null ? null : new Mark(Integer.parseUnsignedInt(m.group(1).substring(2), 16),
                Integer.parseUnsignedInt(m.group(2).substring(2), 16));
    }

    private static int ifId(String text) {
        Matcher m = find("if_id (0x[0-9a-f]+)", text);
        return m == null ? 0 : Integer.parseUnsignedInt(m.group(1).substring(2), 16);
    }

    private static long limit(String v) {
        return v.equals("(INF)") ? Lifetime.NONE : Long.parseUnsignedLong(v);
    }

    static List<IpSa> parseStates(String text) {
        List<IpSa> out = new ArrayList<>();
        for (String b : blocks(text)) {
            Matcher head = require("^src (\\S+) dst (\\S+)", b);
            InetAddress src = IpPrefix.address(head.group(1)), dst = IpPrefix.address(head.group(2));
            Matcher id = require("proto esp spi 0x([0-9a-f]+)\\(\\d+\\) reqid (\\d+)\\(0x[0-9a-f]+\\) mode (\\w+)", b);
            int spi = Integer.parseUnsignedInt(id.group(1), 16);
            XfrmMode mode = XfrmMode.valueOf(id.group(3).toUpperCase());
            Matcher flags = require("replay-window (\\d+) seq 0x[0-9a-f]+ flag ([^(]*)\\(", b);
            boolean esn = flags.group(2).contains("esn");
            Matcher esnWindow = find("replay_window (\\d+), bitmap-length", b);
            int window = Integer.parseInt(esnWindow != null ? esnWindow.group(1) : flags.group(1));
            EspAlgorithm alg;
            Matcher aead = find("aead (\\S+) 0x([0-9a-f]+) \\(\\d+ bits\\) (\\d+)", b);
            if (aead != null) {
                alg = new EspAlgorithm.Aead(aead.group(1), HexFormat.of().parseHex(aead.group(2)), Integer.parseInt(aead.group(3)));
            } else {
                Matcher auth = require("auth-trunc (\\S+) 0x([0-9a-f]+) \\(\\d+ bits\\) (\\d+)", b);
                Matcher enc = require("enc (\\S+) 0x([0-9a-f]+)", b);
                alg = new EspAlgorithm.CipherAndAuth(enc.group(1), HexFormat.of().parseHex(enc.group(2)),
                        auth.group(1), HexFormat.of().parseHex(auth.group(2)), Integer.parseInt(auth.group(3)));
            }
            Selector sel = selector(require("sel " + SELECTOR, b));
            Matcher bytes = require("limit: soft (\\S+)\\(bytes\\), hard (\\S+)\\(bytes\\)", b);
            Matcher packets = require("limit: soft (\\S+)\\(packets\\), hard (\\S+)\\(packets\\)", b);
            Matcher add = require("expire add: soft (\\d+)\\(sec\\), hard (\\d+)\\(sec\\)", b);
            Lifetime lft = new Lifetime(limit(bytes.group(1)), limit(bytes.group(2)), limit(packets.group(1)),
                    limit(packets.group(2)), Long.parseLong(add.group(1)), Long.parseLong(add.group(2)));
            Matcher current = require("lifetime current:\\s+(\\d+)\\(bytes\\), (\\d+)\\(packets\\)", b);
            SecurityAssociation sa = new SecurityAssociation(src, dst, spi, mode, Integer.parseInt(id.group(2)), alg,
                    new ReplayProtection(window, esn), sel, mark("mark", b), mark("output-mark", b), ifId(b), lft, null);
            out.add(new IpSa(sa, Long.parseLong(current.group(1)), Long.parseLong(current.group(2))));
        }
        return out;
    }

    static List<XfrmPolicy> parsePolicies(String text) {
        List<XfrmPolicy> out = new ArrayList<>();
        for (String b : blocks(text)) {
            Selector sel = selector(require("^" + SELECTOR, b));
            Matcher dir = require("dir (\\w+)(?: action (\\w+))? priority (\\d+)", b);
            List<PolicyTemplate> templates = new ArrayList<>();
            Matcher t = Pattern.compile("tmpl src (\\S+) dst (\\S+)\\s+proto esp(?: spi 0x([0-9a-f]+))? reqid (\\d+) mode (\\w+)(\\s+level (\\w+))?")
                    .matcher(b);
            while (t.find()) {
                boolean any = t.group(1).equals("0.0.0.0") || t.group(1).equals("::");
                templates.add(new PolicyTemplate(any ? null : IpPrefix.address(t.group(1)), any ? null : IpPrefix.address(t.group(2)),
                        t.group(3) == null ? 0 : Integer.parseUnsignedInt(t.group(3), 16), XfrmMode.valueOf(t.group(5).toUpperCase()),
                        Integer.parseInt(t.group(4)), "use".equals(t.group(7)) ? TemplateLevel.USE : TemplateLevel.REQUIRED));
            }
            PolicyAction action = "block".equals(dir.group(2)) ? PolicyAction.BLOCK : PolicyAction.ALLOW;
            out.add(new XfrmPolicy(sel, PolicyDirection.valueOf(dir.group(1).toUpperCase()), action,
                    Integer.parseInt(dir.group(3)), mark("mark", b), ifId(b), templates));
        }
        return out;
    }
}

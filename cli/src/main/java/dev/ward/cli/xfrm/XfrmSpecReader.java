package dev.ward.cli.xfrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.netlink.IpPrefix;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.Lifetime;
import dev.ward.xfrm.Mark;
import dev.ward.xfrm.OffloadRequest;
import dev.ward.xfrm.PolicyAction;
import dev.ward.xfrm.PolicyDirection;
import dev.ward.xfrm.PolicyTemplate;
import dev.ward.xfrm.ReplayProtection;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.Selector;
import dev.ward.xfrm.TemplateLevel;
import dev.ward.xfrm.XfrmMode;
import dev.ward.xfrm.XfrmPolicy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Reads the JSON document {@code wardctl xfrm apply} installs: {@code {"states": [...], "policies": [...]}}.
 * Every error names the JSON path of the offending field. Algorithm names and key lengths are checked later,
 * by the same validation every SA gets, so the CLI cannot be more lenient than the API.
 */
final class XfrmSpecReader {
    record Spec(List<SecurityAssociation> states, List<XfrmPolicy> policies) {}

    private XfrmSpecReader() {}

    static Spec read(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("not valid JSON: " + firstLine(e));
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("expected a JSON object with \"states\" and/or \"policies\"");
        List<SecurityAssociation> states = new ArrayList<>();
        List<XfrmPolicy> policies = new ArrayList<>();
        JsonNode s = root.path("states");
        for (int i = 0; i < s.size(); i++) states.add(sa(s.get(i), "states[" + i + "]"));
        JsonNode p = root.path("policies");
        for (int i = 0; i < p.size(); i++) policies.add(policy(p.get(i), "policies[" + i + "]"));
        return new Spec(states, policies);
    }

    private static String firstLine(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    }

    private static SecurityAssociation sa(JsonNode n, String at) {
        InetAddress src = address(n, "src", at), dst = address(n, "dst", at);
        SecurityAssociation.Builder b = SecurityAssociation.esp(src, dst, (int) number(n, "spi", at), algorithm(n, at));
        b.mode(enumOf(XfrmMode.class, text(n, "mode", at, "tunnel"), at + ".mode"));
        b.reqid((int) optionalNumber(n, "reqid", at, 0));
        b.replay(new ReplayProtection((int) optionalNumber(n, "replayWindow", at, 0), n.path("esn").asBoolean(false)));
        if (n.has("mark")) b.mark(mark(n, "mark", at));
        if (n.has("outputMark")) b.outputMark(mark(n, "outputMark", at));
        b.ifId((int) optionalNumber(n, "ifId", at, 0));
        if (n.has("selector")) b.selector(selector(n.get("selector"), at + ".selector"));
        if (n.has("lifetime")) {
            JsonNode l = n.get("lifetime");
            String la = at + ".lifetime";
            b.lifetime(new Lifetime(optionalNumber(l, "softBytes", la, Lifetime.NONE), optionalNumber(l, "hardBytes", la, Lifetime.NONE),
                    optionalNumber(l, "softPackets", la, Lifetime.NONE), optionalNumber(l, "hardPackets", la, Lifetime.NONE),
                    optionalNumber(l, "softSeconds", la, 0), optionalNumber(l, "hardSeconds", la, 0)));
        }
        if (n.has("offloadIfindex")) b.offload(new OffloadRequest((int) number(n, "offloadIfindex", at), n.path("offloadInbound").asBoolean(false)));
        return b.build();
    }

    private static EspAlgorithm algorithm(JsonNode n, String at) {
        if (n.has("aead")) {
            JsonNode a = n.get("aead");
            return new EspAlgorithm.Aead(text(a, "name", at + ".aead", null), key(a, at + ".aead"), (int) optionalNumber(a, "icvBits", at + ".aead", 128));
        }
        if (n.has("encryption") && n.has("authentication")) {
            JsonNode e = n.get("encryption"), a = n.get("authentication");
            return new EspAlgorithm.CipherAndAuth(text(e, "name", at + ".encryption", null), key(e, at + ".encryption"),
                    text(a, "name", at + ".authentication", null), key(a, at + ".authentication"),
                    (int) optionalNumber(a, "truncationBits", at + ".authentication", 128));
        }
        throw new IllegalArgumentException(at + ": needs \"aead\", or \"encryption\" and \"authentication\"");
    }

    private static XfrmPolicy policy(JsonNode n, String at) {
        Selector sel = selector(n, at);
        List<PolicyTemplate> templates = new ArrayList<>();
        JsonNode t = n.path("templates");
        for (int i = 0; i < t.size(); i++) {
            JsonNode x = t.get(i);
            String ta = at + ".templates[" + i + "]";
            templates.add(new PolicyTemplate(x.has("src") ? address(x, "src", ta) : null, x.has("dst") ? address(x, "dst", ta) : null,
                    (int) optionalNumber(x, "spi", ta, 0), enumOf(XfrmMode.class, text(x, "mode", ta, "tunnel"), ta + ".mode"),
                    (int) optionalNumber(x, "reqid", ta, 0), enumOf(TemplateLevel.class, text(x, "level", ta, "required"), ta + ".level")));
        }
        return new XfrmPolicy(sel, enumOf(PolicyDirection.class, text(n, "dir", at, null), at + ".dir"),
                enumOf(PolicyAction.class, text(n, "action", at, "allow"), at + ".action"), (int) optionalNumber(n, "priority", at, 0),
                n.has("mark") ? mark(n, "mark", at) : null, (int) optionalNumber(n, "ifId", at, 0), templates);
    }

    private static Selector selector(JsonNode n, String at) {
        try {
            return new Selector(IpPrefix.parse(text(n, "src", at, null)), IpPrefix.parse(text(n, "dst", at, null)),
                    (int) optionalNumber(n, "proto", at, 0), (int) optionalNumber(n, "sport", at, 0), (int) optionalNumber(n, "dport", at, 0));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(at) ? e : new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }

    private static Mark mark(JsonNode n, String field, String at) {
        String v = text(n, field, at, null);
        String[] parts = v.split("/");
        try {
            return new Mark((int) Long.decode(parts[0]).longValue(), parts.length > 1 ? (int) Long.decode(parts[1]).longValue() : 0xffffffff);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(at + "." + field + ": '" + v + "' is not VALUE[/MASK]");
        }
    }

    private static byte[] key(JsonNode n, String at) {
        String hex = text(n, "key", at, null);
        try {
            return HexFormat.of().parseHex(hex.startsWith("0x") ? hex.substring(2) : hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ".key: not a hex string");
        }
    }

    private static InetAddress address(JsonNode n, String field, String at) {
        try {
            return IpPrefix.address(text(n, field, at, null));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + "." + field + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode n, String field, String at, String dflt) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (dflt != null) return dflt;
            throw new IllegalArgumentException(at + "." + field + ": missing");
        }
        if (!v.isTextual()) throw new IllegalArgumentException(at + "." + field + ": expected a string");
        return v.asText();
    }

    private static long number(JsonNode n, String field, String at) {
        JsonNode v = n.get(field);
        if (v == null) throw new IllegalArgumentException(at + "." + field + ": missing");
        if (v.isIntegralNumber()) return v.asLong();
        if (v.isTextual()) {
            try {
                return Long.decode(v.asText());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(at + "." + field + ": '" + v.asText() + "' is not a number");
            }
        }
        throw new IllegalArgumentException(at + "." + field + ": expected a number");
    }

    private static long optionalNumber(JsonNode n, String field, String at, long dflt) {
        return n.has(field) ? number(n, field, at) : dflt;
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String v, String at) {
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": '" + v + "' is not one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}

package dev.ward.cli.xfrm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
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

/**
 * Reads the JSON document {@code wardctl xfrm apply} installs: {@code {"states": [...], "policies": [...]}}.
 * Everything in it is read or refused: an unknown or misspelled field, a number out of its kernel field's range
 * (the kernel's fields are unsigned 32 bits, Java's int would wrap), a duplicated key or trailing text. Every error
 * names the JSON path of the offending field. Algorithm names and key lengths are checked later, by the same
 * validation every SA gets, so the CLI cannot be more lenient than the API.
 */
final class XfrmSpecReader {
    record Spec(List<SecurityAssociation> states, List<XfrmPolicy> policies) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private XfrmSpecReader() {}

    static Spec read(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("not valid JSON: " + firstLine(e));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object with \"states\" and/or \"policies\"");
        }
        JsonObject top = JsonObject.of(root, "");
        List<JsonObject> s = top.objects("states");
        List<JsonObject> p = top.objects("policies");
        top.done("expected states or policies");
        if (!top.has("states") && !top.has("policies")) {
            throw new IllegalArgumentException("nothing to install: give \"states\" and/or \"policies\"");
        }
        List<SecurityAssociation> states = new ArrayList<>();
        for (JsonObject o : s) states.add(sa(o));
        List<XfrmPolicy> policies = new ArrayList<>();
        for (JsonObject o : p) policies.add(policy(o));
        return new Spec(states, policies);
    }

    private static String firstLine(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    }

    private static SecurityAssociation sa(JsonObject n) {
        InetAddress src = address(n, "src"), dst = address(n, "dst");
        SecurityAssociation.Builder b = SecurityAssociation.esp(src, dst, (int) n.u32("spi", null), algorithm(n));
        b.mode(n.choice("mode", XfrmMode.class, XfrmMode.TUNNEL));
        b.reqid((int) n.u32("reqid", 0L));
        b.replay(new ReplayProtection((int) n.integer("replayWindow", 0, ReplayProtection.MAX_WINDOW, 0L), n.bool("esn", false)));
        if (n.has("mark")) b.mark(mark(n, "mark"));
        if (n.has("outputMark")) b.outputMark(mark(n, "outputMark"));
        b.ifId((int) n.u32("ifId", 0L));
        JsonObject sel = n.object("selector");
        if (sel != null) {
            b.selector(selector(sel));
            sel.done(null);
        }
        JsonObject l = n.object("lifetime");
        if (l != null) {
            b.lifetime(new Lifetime(l.integer("softBytes", 0, Long.MAX_VALUE, Lifetime.NONE), l.integer("hardBytes", 0, Long.MAX_VALUE, Lifetime.NONE),
                    l.integer("softPackets", 0, Long.MAX_VALUE, Lifetime.NONE), l.integer("hardPackets", 0, Long.MAX_VALUE, Lifetime.NONE),
                    l.integer("softSeconds", 0, Long.MAX_VALUE, 0L), l.integer("hardSeconds", 0, Long.MAX_VALUE, 0L)));
            l.done(null);
        }
        if (n.has("offloadIfindex") || n.has("offloadInbound")) {
            b.offload(new OffloadRequest((int) n.integer("offloadIfindex", 1, Integer.MAX_VALUE, null), n.bool("offloadInbound", false)));
        }
        n.done(null);
        return b.build();
    }

    private static EspAlgorithm algorithm(JsonObject n) {
        JsonObject aead = n.object("aead");
        JsonObject enc = n.object("encryption");
        JsonObject auth = n.object("authentication");
        if (aead != null && (enc != null || auth != null)) {
            throw new IllegalArgumentException(n.at() + ": give \"aead\", or \"encryption\" and \"authentication\", not both");
        }
        if (aead != null) {
            EspAlgorithm a = new EspAlgorithm.Aead(aead.text("name", null), key(aead), (int) aead.integer("icvBits", 0, Integer.MAX_VALUE, 128L));
            aead.done(null);
            return a;
        }
        if (enc != null && auth != null) {
            EspAlgorithm a = new EspAlgorithm.CipherAndAuth(enc.text("name", null), key(enc), auth.text("name", null), key(auth),
                    (int) auth.integer("truncationBits", 0, Integer.MAX_VALUE, 128L));
            enc.done(null);
            auth.done(null);
            return a;
        }
        throw new IllegalArgumentException(n.at() + ": needs \"aead\", or \"encryption\" and \"authentication\"");
    }

    private static XfrmPolicy policy(JsonObject n) {
        Selector sel = selector(n);
        List<PolicyTemplate> templates = new ArrayList<>();
        for (JsonObject t : n.objects("templates")) {
            templates.add(new PolicyTemplate(t.has("src") ? address(t, "src") : null, t.has("dst") ? address(t, "dst") : null,
                    (int) t.u32("spi", 0L), t.choice("mode", XfrmMode.class, XfrmMode.TUNNEL), (int) t.u32("reqid", 0L),
                    t.choice("level", TemplateLevel.class, TemplateLevel.REQUIRED)));
            t.done(null);
        }
        XfrmPolicy p = new XfrmPolicy(sel, n.choice("dir", PolicyDirection.class, null), n.choice("action", PolicyAction.class, PolicyAction.ALLOW),
                (int) n.u32("priority", 0L), n.has("mark") ? mark(n, "mark") : null, (int) n.u32("ifId", 0L), templates);
        n.done(null);
        return p;
    }

    private static Selector selector(JsonObject n) {
        IpPrefix src = prefix(n, "src"), dst = prefix(n, "dst");
        int proto = (int) n.integer("proto", 0, 255, 0L);
        int sport = (int) n.integer("sport", 0, 65535, 0L);
        int dport = (int) n.integer("dport", 0, 65535, 0L);
        try {
            return new Selector(src, dst, proto, sport, dport);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(n.at() + ": " + e.getMessage());
        }
    }

    private static IpPrefix prefix(JsonObject n, String field) {
        try {
            return IpPrefix.parse(n.text(field, null));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(n.path(field)) ? e : new IllegalArgumentException(n.path(field) + ": " + e.getMessage());
        }
    }

    private static Mark mark(JsonObject n, String field) {
        String v = n.text(field, null);
        String[] parts = v.split("/", -1);
        if (parts.length > 2) throw new IllegalArgumentException(n.path(field) + ": '" + v + "' is not VALUE[/MASK]");
        long value = JsonObject.parseU32(parts[0], n.path(field));
        long mask = parts.length > 1 ? JsonObject.parseU32(parts[1], n.path(field)) : 0xffff_ffffL;
        return new Mark((int) value, (int) mask);
    }

    private static byte[] key(JsonObject n) {
        String hex = n.text("key", null);
        try {
            return HexFormat.of().parseHex(hex.startsWith("0x") ? hex.substring(2) : hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(n.path("key") + ": not a hex string");
        }
    }

    private static InetAddress address(JsonObject n, String field) {
        try {
            return IpPrefix.address(n.text(field, null));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(n.path(field)) ? e : new IllegalArgumentException(n.path(field) + ": " + e.getMessage());
        }
    }
}

package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.ward.policy.model.IcmpField;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.PortProtocol;
import dev.ward.policy.model.PortRule;
import dev.ward.policy.model.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads {@code toPorts} (ports, protocols, L7 rules) and {@code icmps} of a Cilium rule section. */
final class PortReader {

    /** Cilium's ICMP type names, as its CRD spells them. */
    private static final Map<String, Integer> ICMP4 = Map.ofEntries(
            Map.entry("EchoReply", 0), Map.entry("DestinationUnreachable", 3), Map.entry("Redirect", 5),
            Map.entry("Echo", 8), Map.entry("EchoRequest", 8), Map.entry("RouterAdvertisement", 9),
            Map.entry("RouterSelection", 10), Map.entry("TimeExceeded", 11), Map.entry("ParameterProblem", 12),
            Map.entry("Timestamp", 13), Map.entry("TimestampReply", 14), Map.entry("Photuris", 40),
            Map.entry("ExtendedEchoRequest", 42), Map.entry("ExtendedEchoReply", 43));
    private static final Map<String, Integer> ICMP6 = Map.ofEntries(
            Map.entry("DestinationUnreachable", 1), Map.entry("PacketTooBig", 2), Map.entry("TimeExceeded", 3),
            Map.entry("ParameterProblem", 4), Map.entry("EchoRequest", 128), Map.entry("EchoReply", 129),
            Map.entry("MulticastListenerQuery", 130), Map.entry("MulticastListenerReport", 131),
            Map.entry("MulticastListenerDone", 132), Map.entry("RouterSolicitation", 133),
            Map.entry("RouterAdvertisement", 134), Map.entry("NeighborSolicitation", 135),
            Map.entry("NeighborAdvertisement", 136), Map.entry("RedirectMessage", 137),
            Map.entry("RouterRenumbering", 138), Map.entry("ICMPNodeInformationQuery", 139),
            Map.entry("ICMPNodeInformationResponse", 140), Map.entry("InverseNeighborDiscoverySolicitation", 141),
            Map.entry("InverseNeighborDiscoveryAdvertisement", 142), Map.entry("HomeAgentAddressDiscoveryRequest", 144),
            Map.entry("HomeAgentAddressDiscoveryReply", 145), Map.entry("MobilePrefixSolicitation", 146),
            Map.entry("MobilePrefixAdvertisement", 147), Map.entry("DuplicateAddressRequestCodeSuffix", 157),
            Map.entry("DuplicateAddressConfirmationCodeSuffix", 158), Map.entry("ExtendedEchoRequest", 160),
            Map.entry("ExtendedEchoReply", 161));

    private PortReader() {}

    /**
     * @param deny deny sections take ports only: a deny cannot depend on what a proxy would see
     */
    static List<PortRule> toPorts(JsonNode v, String path, Problems p, boolean deny, boolean ingress) {
        List<PortRule> out = new ArrayList<>();
        List<JsonNode> items = Values.list(v, path, p, false);
        for (int i = 0; i < items.size(); i++) {
            String ip = path + "[" + i + "]";
            Fields f = Fields.of(items.get(i), ip, p);
            if (f == null) continue;
            int before = p.errorCount();
            List<PortProtocol> ports = new ArrayList<>();
            JsonNode portsNode = f.take("ports");
            List<JsonNode> portItems = Values.list(portsNode, f.child("ports"), p, false);
            for (int j = 0; j < portItems.size(); j++) {
                PortProtocol pp = port(portItems.get(j), f.child("ports") + "[" + j + "]", p);
                if (pp != null) ports.add(pp);
            }
            L7Rules rules = null;
            JsonNode rulesNode = f.take("rules");
            if (rulesNode != null) {
                if (deny) {
                    p.error(f.child("rules"), "L7 rules are not allowed in deny sections");
                } else if (!rulesNode.isNull()) {
                    rules = L7RuleReader.read(rulesNode, f.child("rules"), p, ingress);
                }
            }
            for (String unsupported : List.of("serverNames", "terminatingTLS", "originatingTLS", "listener")) {
                if (f.has(unsupported)) {
                    f.take(unsupported);
                    p.error(f.child(unsupported), "is not supported by Ward (TLS interception and Envoy listeners are out of scope); remove it");
                }
            }
            f.rejectUnknown();
            if (ports.isEmpty() && portsNode != null && p.errorCount() == before) {
                p.error(f.child("ports"), "is empty; give at least one port (port \"0\" means all ports)");
            }
            if (portsNode == null) p.error(f.child("ports"), "is required");
            if (rules != null) {
                for (PortProtocol pp : ports) {
                    if (!pp.isNamed() && (pp.port() == 0 || (pp.endPort() != 0 && pp.endPort() != pp.port()))) {
                        p.error(f.child("ports"), "L7 rules need single ports; " + pp + " is a range");
                    }
                }
            }
            if (p.errorCount() == before) out.add(new PortRule(ports, rules));
        }
        return out;
    }

    private static PortProtocol port(JsonNode node, String path, Problems p) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode portNode = f.takeValue("port");
        JsonNode endNode = f.takeValue("endPort");
        JsonNode protoNode = f.takeValue("protocol");
        f.rejectUnknown();
        Protocol proto = Protocol.ANY;
        if (protoNode != null) {
            String s = Values.string(protoNode, f.child("protocol"), p);
            if (s == null) return null;
            try {
                proto = Protocol.parsePortProtocol(s);
            } catch (IllegalArgumentException e) {
                p.error(f.child("protocol"), e.getMessage());
                return null;
            }
            if (!proto.name().equals(s)) {
                String canonical = proto.name();
                JsonNode written = f.node().get("protocol");
                p.repair(f.child("protocol"), "'" + s + "' is not a protocol (protocols are upper case)",
                        "write " + canonical, () -> p.replace(written, new TextNode(canonical)));
            }
        }
        if (portNode == null) {
            p.error(f.child("port"), "is required");
            return null;
        }
        String written = Values.string(portNode, f.child("port"), p);
        if (written == null) return null;
        String text = written.strip();
        if (!text.equals(written)) {
            JsonNode portText = f.node().get("port");
            p.repair(f.child("port"), "'" + written + "' has spaces around the port", "write \"" + text + "\"",
                    () -> p.replace(portText, new TextNode(text)));
        }
        Integer end = endNode == null ? 0 : Values.integer(endNode, f.child("endPort"), p, 0, 65535);
        if (end == null) return null;
        if (text.matches("\\d+")) {
            long n = Long.parseLong(text.length() > 6 ? "999999" : text);
            if (n > 65535) {
                p.error(f.child("port"), "must be between 0 and 65535 or a port name, not " + text);
                return null;
            }
            if (end != 0 && end < n) {
                p.error(f.child("endPort"), "endPort " + end + " is below port " + n);
                return null;
            }
            if (n == 0 && end != 0) {
                p.error(f.child("endPort"), "needs a port to start the range (port 0 already means all ports)");
                return null;
            }
            return PortProtocol.number((int) n, end, proto);
        }
        if (!PortProtocol.isValidName(text)) {
            p.error(f.child("port"), "'" + text + "' is neither a port number nor a valid port name "
                    + "(lower case letters, digits and '-', at most 15 characters)");
            return null;
        }
        if (end != 0) {
            p.error(f.child("endPort"), "cannot follow a named port");
            return null;
        }
        return PortProtocol.named(text, proto);
    }

    static List<IcmpField> icmps(JsonNode v, String path, Problems p) {
        List<IcmpField> out = new ArrayList<>();
        List<JsonNode> items = Values.list(v, path, p, false);
        for (int i = 0; i < items.size(); i++) {
            String ip = path + "[" + i + "]";
            Fields f = Fields.of(items.get(i), ip, p);
            if (f == null) continue;
            List<JsonNode> fields = Values.list(f.take("fields"), f.child("fields"), p, false);
            f.rejectUnknown();
            if (fields.isEmpty()) p.error(f.child("fields"), "needs at least one ICMP type");
            for (int j = 0; j < fields.size(); j++) {
                IcmpField field = icmpField(fields.get(j), f.child("fields") + "[" + j + "]", p);
                if (field != null) out.add(field);
            }
        }
        return out;
    }

    private static IcmpField icmpField(JsonNode node, String path, Problems p) {
        Fields f = Fields.of(node, path, p);
        if (f == null) return null;
        JsonNode fam = f.takeValue("family");
        JsonNode type = f.take("type");
        f.rejectUnknown();
        boolean v6 = false;
        if (fam != null) {
            String s = Values.string(fam, f.child("family"), p);
            if (s == null) return null;
            if (s.equalsIgnoreCase("IPv6")) v6 = true;
            else if (!s.equalsIgnoreCase("IPv4")) {
                p.error(f.child("family"), "must be IPv4 or IPv6, not '" + s + "'");
                return null;
            }
            String canonical = v6 ? "IPv6" : "IPv4";
            if (!s.equals(canonical)) {
                JsonNode written = f.node().get("family");
                p.repair(f.child("family"), "'" + s + "' is not a family (IPv4 or IPv6, as written)", "write " + canonical,
                        () -> p.replace(written, new TextNode(canonical)));
            }
        }
        if (type == null || type.isNull()) {
            p.error(f.child("type"), "is required");
            return null;
        }
        // The type is an integer or a string (the CRD's int-or-string): "8" is as valid as 8.
        if (type.isTextual() && type.asText().matches("\\d{1,3}")) {
            int t = Integer.parseInt(type.asText());
            if (t <= 255) return new IcmpField(v6, t);
        }
        if (type.isIntegralNumber() || (type.isTextual() && type.asText().matches("\\d+"))) {
            Integer t = Values.integer(type, f.child("type"), p, 0, 255);
            return t == null ? null : new IcmpField(v6, t);
        }
        String name = Values.string(type, f.child("type"), p);
        if (name == null) return null;
        Map<String, Integer> names = v6 ? ICMP6 : ICMP4;
        Integer t = names.get(name);
        if (t == null) {
            String canonical = names.keySet().stream().filter(n -> n.equalsIgnoreCase(name)).findFirst().orElse(null);
            if (canonical == null) {
                p.error(f.child("type"), "unknown " + (v6 ? "ICMPv6" : "ICMP") + " type name '" + name + "'");
                return null;
            }
            p.repair(f.child("type"), "'" + name + "' is not an ICMP type name (names are case-sensitive)",
                    "write " + canonical, () -> p.replace(type, new TextNode(canonical)));
            t = names.get(canonical);
        }
        return new IcmpField(v6, t);
    }
}

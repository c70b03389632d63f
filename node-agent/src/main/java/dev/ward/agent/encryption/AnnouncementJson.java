package dev.ward.agent.encryption;

import dev.ward.pki.NodeNames;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The JSON form of a signed announcement, for an etcd value or the spec of a Kubernetes custom resource.
 * It carries the fields, not the signed bytes: the signature is checked over the canonical binary encoding
 * of the decoded value, so JSON formatting and field order do not matter. Decoding is strict (unknown or
 * duplicate fields are errors) and every error names the JSON path at fault.
 */
public final class AnnouncementJson {
    private static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Set<String> FIELDS = Set.of("version", "node", "underlay", "podCidrs", "epoch", "publicKey",
            "revision", "acknowledgements", "sending", "svidChain", "signature");
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private AnnouncementJson() {
    }

    public static String toJson(SignedNodeAnnouncement signed) {
        return toTree(signed).toString();
    }

    public static SignedNodeAnnouncement fromJson(String json) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new MalformedEncodingException("announcement JSON", "is not valid JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr());
        }
        if (tree == null || tree.isMissingNode()) {
            throw new MalformedEncodingException("announcement JSON", "is empty");
        }
        return fromTree(tree);
    }

    public static ObjectNode toTree(SignedNodeAnnouncement signed) {
        NodeAnnouncement a = signed.announcement();
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("version", VERSION);
        root.put("node", a.node());
        ArrayNode underlay = root.putArray("underlay");
        a.underlay().forEach(address -> underlay.add(address.getHostAddress()));
        ArrayNode pods = root.putArray("podCidrs");
        a.podCidrs().forEach(cidr -> pods.add(cidr.toString()));
        root.put("epoch", a.epoch());
        root.put("publicKey", BASE64.encodeToString(a.key().x25519()));
        root.put("revision", a.revision());
        ArrayNode acks = root.putArray("acknowledgements");
        for (Acknowledgement ack : a.acknowledgements()) {
            acks.addObject().put("peer", ack.peer()).put("peerEpoch", ack.peerEpoch()).put("ownEpoch", ack.ownEpoch())
                    .put("spi", ack.spi().value());
        }
        ArrayNode sending = root.putArray("sending");
        for (OutboundInUse use : a.sending()) {
            sending.addObject().put("peer", use.peer()).put("ownEpoch", use.ownEpoch())
                    .put("peerEpoch", use.peerEpoch()).put("spi", use.spi().value());
        }
        ArrayNode chain = root.putArray("svidChain");
        for (X509Certificate certificate : signed.svidChain()) {
            try {
                chain.add(BASE64.encodeToString(certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("SVID certificate cannot be encoded", e);
            }
        }
        root.put("signature", BASE64.encodeToString(signed.signature()));
        return root;
    }

    public static SignedNodeAnnouncement fromTree(JsonNode root) {
        requireObject(root, "announcement", Set.copyOf(FIELDS));
        long version = integer(root, "version", "version");
        if (version != VERSION) {
            throw new MalformedEncodingException("version", "is " + version + ", this agent reads version " + VERSION);
        }
        String node = text(root, "node", "node");
        convert("node", () -> NodeNames.require(node, "node name"));
        List<InetAddress> underlay = list(root, "underlay", (item, path) -> convert(path, () -> IpLiterals.parse(text(item, path))));
        List<Cidr> podCidrs = list(root, "podCidrs", (item, path) -> convert(path, () -> Cidr.parse(text(item, path))));
        long epoch = integer(root, "epoch", "epoch");
        byte[] publicKey = base64(root, "publicKey", "publicKey");
        EpochPublicKey key = convert("publicKey", () -> new EpochPublicKey(epoch, publicKey));
        long revision = integer(root, "revision", "revision");
        List<Acknowledgement> acks = list(root, "acknowledgements", (item, path) -> {
            requireObject(item, path, Set.of("peer", "peerEpoch", "ownEpoch", "spi"));
            return convert(path, () -> new Acknowledgement(text(item, "peer", path + ".peer"),
                    integer(item, "peerEpoch", path + ".peerEpoch"), integer(item, "ownEpoch", path + ".ownEpoch"),
                    spi(item, path + ".spi")));
        });
        List<OutboundInUse> sending = list(root, "sending", (item, path) -> {
            requireObject(item, path, Set.of("peer", "ownEpoch", "peerEpoch", "spi"));
            return convert(path, () -> new OutboundInUse(text(item, "peer", path + ".peer"),
                    integer(item, "ownEpoch", path + ".ownEpoch"), integer(item, "peerEpoch", path + ".peerEpoch"),
                    spi(item, path + ".spi")));
        });
        List<X509Certificate> chain = list(root, "svidChain",
                (item, path) -> {
                    byte[] der = base64(item, path);
                    try {
                        return AnnouncementCodec.certificate(der);
                    } catch (IllegalArgumentException e) {
                        throw new MalformedEncodingException(path, e.getMessage());
                    }
                });
        byte[] signature = base64(root, "signature", "signature");
        NodeAnnouncement announcement = convert("announcement",
                () -> new NodeAnnouncement(node, underlay, podCidrs, key, revision, acks, sending));
        return convert("svidChain", () -> new SignedNodeAnnouncement(announcement, chain, signature));
    }

    private static Spi spi(JsonNode item, String path) {
        long value = integer(item, "spi", path);
        return convert(path, () -> new Spi(value));
    }

    private static void requireObject(JsonNode node, String path, Set<String> allowed) {
        if (!node.isObject()) {
            throw new MalformedEncodingException(path, "must be an object, got " + node.getNodeType().name().toLowerCase());
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new MalformedEncodingException(path + "." + name, "is not a known field");
            }
        }
    }

    private static JsonNode field(JsonNode parent, String name, String path) {
        JsonNode value = parent.get(name);
        if (value == null || value.isNull()) {
            throw new MalformedEncodingException(path, "is missing");
        }
        return value;
    }

    private static String text(JsonNode parent, String name, String path) {
        return text(field(parent, name, path), path);
    }

    private static String text(JsonNode value, String path) {
        if (!value.isTextual()) {
            throw new MalformedEncodingException(path, "must be a string");
        }
        return value.textValue();
    }

    private static long integer(JsonNode parent, String name, String path) {
        JsonNode value = field(parent, name, path);
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            throw new MalformedEncodingException(path, "must be a non-negative integer, got " + value);
        }
        return value.longValue();
    }

    private static byte[] base64(JsonNode parent, String name, String path) {
        return base64(field(parent, name, path), path);
    }

    private static byte[] base64(JsonNode value, String path) {
        try {
            return Base64.getDecoder().decode(text(value, path));
        } catch (IllegalArgumentException e) {
            throw new MalformedEncodingException(path, "is not base64: " + e.getMessage());
        }
    }

    private interface ItemReader<T> {
        T read(JsonNode item, String path);
    }

    private static <T> List<T> list(JsonNode parent, String name, ItemReader<T> reader) {
        JsonNode array = field(parent, name, name);
        if (!array.isArray()) {
            throw new MalformedEncodingException(name, "must be an array");
        }
        List<T> items = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            items.add(reader.read(array.get(i), name + "[" + i + "]"));
        }
        return items;
    }

    private static <T> T convert(String path, java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (MalformedEncodingException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new MalformedEncodingException(path, "is invalid: " + e.getMessage());
        }
    }
}

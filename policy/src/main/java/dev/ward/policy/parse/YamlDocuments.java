package dev.ward.policy.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits a policy file into its YAML documents and reads each into a tree, as YAML defines it: an alias stands for
 * a copy of the node it names (Jackson's YAML reader returns the alias's name as a string), keys are unique, and
 * only YAML's own tags are accepted. Documents are found in one pass over the text, each with the line it starts
 * on, and each is read on its own, so a syntax error stops only its document.
 *
 * <p>Aliases are bounded twice against alias bombs: SnakeYAML's limit of {@value #MAX_COLLECTION_ALIASES} aliases
 * to collections per document, and a cap on the size of the expanded tree relative to the text.
 */
final class YamlDocuments {
    static final int MAX_COLLECTION_ALIASES = 50;
    /** The expanded tree may hold this many values, plus {@value #NODES_PER_CHARACTER} per character of the text. */
    static final int BASE_NODE_BUDGET = 10_000;
    static final int NODES_PER_CHARACTER = 4;

    /**
     * One document: its text (from its {@code ---} line, if any), the 1-based line it starts on, and either the
     * tree (null for an empty document) or the reason it is not valid YAML.
     */
    record Document(int index, int firstLine, String text, YamlTree tree, String error) {
        JsonNode root() {
            return tree == null ? null : tree.root();
        }
    }

    private YamlDocuments() {}

    static List<Document> read(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(options);
        List<Document> out = new ArrayList<>();
        int chunkStart = 0;
        int chunkLine = 1;
        int line = 1;
        for (int pos = 0; pos < text.length(); line++) {
            int eol = text.indexOf('\n', pos);
            int next = eol < 0 ? text.length() : eol + 1;
            if (isDocumentStart(text, pos)) {
                out.add(document(yaml, out.size(), chunkLine, text.substring(chunkStart, pos)));
                chunkStart = pos;
                chunkLine = line;
            }
            pos = next;
        }
        out.add(document(yaml, out.size(), chunkLine, text.substring(chunkStart)));
        return out;
    }

    private static boolean isDocumentStart(String text, int pos) {
        if (!text.startsWith("---", pos)) return false;
        if (pos + 3 == text.length()) return true;
        char c = text.charAt(pos + 3);
        return c == '\n' || c == '\r' || c == ' ' || c == '\t';
    }

    private static Document document(Yaml yaml, int index, int firstLine, String chunk) {
        try {
            Node root = yaml.compose(new StringReader(chunk));
            if (root == null) return new Document(index, firstLine, chunk, null, null);
            Converter c = new Converter(BASE_NODE_BUDGET + (long) NODES_PER_CHARACTER * chunk.length());
            JsonNode tree = c.convert(root);
            if (tree.isNull()) return new Document(index, firstLine, chunk, null, null);
            YamlTree t = new YamlTree(tree);
            c.written.forEach(t::written);
            return new Document(index, firstLine, chunk, t, null);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? "" : " at line " + (firstLine + m.getLine());
            return new Document(index, firstLine, chunk, null, "not valid YAML" + where + ": " + e.getProblem());
        } catch (Refused e) {
            String where = e.mark == null ? "" : " at line " + (firstLine + e.mark.getLine());
            String what = e.invalid ? "not valid YAML" : "YAML not accepted in a policy";
            return new Document(index, firstLine, chunk, null, what + where + ": " + e.getMessage());
        } catch (YAMLException e) {
            return new Document(index, firstLine, chunk, null, "not valid YAML: " + e.getMessage());
        }
    }

    /** YAML that is well-formed but that a policy must not contain, with where it is. */
    private static final class Refused extends RuntimeException {
        final Mark mark;
        final boolean invalid;

        Refused(String message, Node at) {
            this(message, at, false);
        }

        /** @param invalid the YAML spec itself forbids it (a duplicate key), rather than Ward */
        Refused(String message, Node at, boolean invalid) {
            super(message, null, false, false);
            this.mark = at.getStartMark();
            this.invalid = invalid;
        }
    }

    /** Turns SnakeYAML's node graph (where an alias is the anchored node itself) into a tree of copies. */
    private static final class Converter {
        private final Map<JsonNode, String> written = new IdentityHashMap<>();
        private final Map<Node, Boolean> open = new IdentityHashMap<>();
        private final long budget;
        private long made;

        Converter(long budget) {
            this.budget = budget;
        }

        JsonNode convert(Node node) {
            if (++made > budget) {
                throw new Refused("aliases expand this document beyond " + budget + " values (a limit against alias "
                        + "bombs); write the repeated parts out", node);
            }
            return switch (node) {
                case ScalarNode s -> scalar(s);
                case SequenceNode s -> sequence(s);
                case MappingNode m -> mapping(m);
                default -> throw new Refused("unsupported YAML node " + node.getNodeId(), node);
            };
        }

        private JsonNode sequence(SequenceNode s) {
            requireTag(s, Tag.SEQ);
            enter(s);
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (Node item : s.getValue()) out.add(convert(item));
            open.remove(s);
            return out;
        }

        private JsonNode mapping(MappingNode m) {
            requireTag(m, Tag.MAP);
            enter(m);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (NodeTuple t : m.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    throw new Refused("a mapping key must be a scalar, not a " + t.getKeyNode().getNodeId(), t.getKeyNode());
                }
                if (k.getTag().equals(Tag.MERGE)) {
                    throw new Refused("YAML merge keys (<<) are not supported in policies; write the fields out", k);
                }
                String key = k.getValue();
                if (out.has(key)) throw new Refused("duplicate key '" + key + "'", k, true);
                out.set(key, convert(t.getValueNode()));
            }
            open.remove(m);
            return out;
        }

        private void enter(Node collection) {
            if (open.put(collection, Boolean.TRUE) != null) {
                String name = collection.getAnchor() == null ? "an alias" : "the alias *" + collection.getAnchor();
                throw new Refused(name + " refers to itself (a recursive structure has no policy meaning)", collection);
            }
        }

        private static void requireTag(Node n, Tag expected) {
            if (!n.getTag().equals(expected)) throw new Refused("YAML tag " + n.getTag() + " is not supported", n);
        }

        private JsonNode scalar(ScalarNode s) {
            String v = s.getValue();
            Tag tag = s.getTag();
            JsonNode out;
            String source = null;
            if (tag.equals(Tag.STR) || tag.equals(Tag.TIMESTAMP) || tag.equals(Tag.BINARY)) {
                out = new TextNode(v);
            } else if (tag.equals(Tag.NULL)) {
                return NullNode.getInstance();
            } else if (tag.equals(Tag.BOOL)) {
                out = new YamlBoolean(switch (v.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on" -> true;
                    default -> false;
                });
                source = v;
            } else if (tag.equals(Tag.INT)) {
                out = integer(v);
                source = v;
            } else if (tag.equals(Tag.FLOAT)) {
                out = floating(v);
                source = v;
            } else {
                throw new Refused("YAML tag " + tag + " is not supported", s);
            }
            if (source != null && !out.isTextual()) written.put(out, source);
            return out;
        }

        /** YAML 1.1 integers, as Kubernetes reads them: 0x hex, 0b binary, a leading 0 for octal. */
        private static JsonNode integer(String written) {
            String v = written.replace("_", "");
            if (v.contains(":")) return new TextNode(written); // sexagesimal: Kubernetes' YAML reads a string
            boolean negative = v.startsWith("-");
            if (v.startsWith("-") || v.startsWith("+")) v = v.substring(1);
            BigInteger n;
            if (v.startsWith("0x")) n = new BigInteger(v.substring(2), 16);
            else if (v.startsWith("0b")) n = new BigInteger(v.substring(2), 2);
            else if (v.length() > 1 && v.startsWith("0")) n = new BigInteger(v.substring(1), 8);
            else n = new BigInteger(v);
            if (negative) n = n.negate();
            if (n.bitLength() < 32) return new IntNode(n.intValue());
            if (n.bitLength() < 64) return new LongNode(n.longValue());
            return new BigIntegerNode(n);
        }

        private static JsonNode floating(String written) {
            String v = written.replace("_", "");
            if (v.contains(":")) return new TextNode(written);
            String lower = v.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".inf")) return new DoubleNode(lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
            if (lower.equals(".nan")) return new DoubleNode(Double.NaN);
            return new DoubleNode(Double.parseDouble(v));
        }
    }

    /** A boolean of its own identity, so that each one's written text can be found in {@link YamlTree}. */
    private static final class YamlBoolean extends BooleanNode {
        YamlBoolean(boolean value) {
            super(value);
        }
    }
}

package dev.ward.policy.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.UncheckedIOException;

/**
 * Writes a repaired document back as YAML: its {@code ---} line and the comments before its first content kept as
 * written (they usually say where the policy came from), then the tree. Strings that YAML would read as something
 * else ({@code "80"}, {@code "yes"}) are quoted.
 */
final class CorrectedYaml {
    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build());

    private CorrectedYaml() {}

    static String write(String original, JsonNode tree) {
        StringBuilder out = new StringBuilder();
        for (String line : original.split("\n", -1)) {
            String t = line.strip();
            if (!(t.isEmpty() || t.startsWith("#") || t.equals("---") || t.startsWith("--- #"))) break;
            out.append(line).append('\n');
        }
        // A marker with content on its line ("--- {...}") is not kept above: the documents must stay apart.
        if (original.startsWith("---") && !out.toString().startsWith("---")) out.insert(0, "---\n");
        try {
            out.append(YAML.writeValueAsString(tree));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}

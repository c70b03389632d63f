package dev.ward.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code -o table|json} option shared by every listing command. Commands build their rows once and hand
 * them here, so table and JSON output never drift apart.
 */
public final class OutputOption {
    public enum Format { table, json }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .findAndRegisterModules();

    @Option(names = {"-o", "--output"}, defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format = Format.table;

    public Format format() {
        return format;
    }

    public boolean json() {
        return format == Format.json;
    }

    /** Prints {@code value} as JSON, or as the table that {@code table} renders. */
    public <T> void print(PrintStream out, T value, Function<T, Table> table) {
        if (json()) {
            out.println(toJson(value));
        } else {
            out.print(table.apply(value).render());
        }
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** A plain-text table with left-aligned columns. */
    public static final class Table {
        private final List<String> header;
        private final List<List<String>> rows = new java.util.ArrayList<>();

        public Table(String... header) {
            this.header = List.of(header);
        }

        public Table row(Object... cells) {
            if (cells.length != header.size()) {
                throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.size());
            }
            List<String> r = new java.util.ArrayList<>(cells.length);
            for (Object c : cells) r.add(c == null ? "-" : c.toString());
            rows.add(r);
            return this;
        }

        public String render() {
            int[] w = new int[header.size()];
            for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
            for (List<String> r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
            StringBuilder sb = new StringBuilder();
            line(sb, header, w);
            for (List<String> r : rows) line(sb, r, w);
            return sb.toString();
        }

        private static void line(StringBuilder sb, List<String> cells, int[] w) {
            for (int i = 0; i < cells.size(); i++) {
                String c = cells.get(i);
                sb.append(c);
                if (i < cells.size() - 1) sb.append(" ".repeat(w[i] - c.length() + 2));
            }
            sb.append('\n');
        }
    }
}

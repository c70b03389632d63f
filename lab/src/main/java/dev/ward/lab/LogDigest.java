package dev.ward.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The warnings and errors of the lab's daemons, counted by kind, printed under the table: the end of a run's output
 * is what a CI log keeps, and a daemon retrying something hundreds of times shows there, not only in its own log.
 */
public final class LogDigest {
    /** slf4j-simple's line: time, level, logger, [thread], message. */
    private static final Pattern LINE = Pattern.compile("^\\S+\\s+(WARN|ERROR)\\s+\\S+\\s+\\[[^]]*]\\s+(.*)$");
    private static final Pattern NUMBERS = Pattern.compile("\\b(?:0x)?[0-9][0-9a-fA-F]*|\\b[0-9a-f]*[0-9][0-9a-f]*\\b");
    private static final int KINDS_SHOWN = 3, MESSAGE_CHARS = 110;

    /** One log's warnings and errors: how many, and the most frequent kinds (numbers and hex read as {@code #}). */
    public record Digest(String log, int warnings, int errors, Map<String, Integer> kinds) {
        String describe() {
            List<String> top = kinds.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(KINDS_SHOWN)
                    .map(e -> e.getValue() + "x \"" + e.getKey() + "\"").toList();
            return log + ": " + warnings + " WARN, " + errors + " ERROR; most: " + String.join(", ", top);
        }
    }

    private LogDigest() {}

    static Digest of(String name, List<String> lines) {
        int warnings = 0, errors = 0;
        Map<String, Integer> kinds = new LinkedHashMap<>();
        for (String line : lines) {
            var m = LINE.matcher(line);
            if (!m.matches()) continue;
            if (m.group(1).equals("WARN")) warnings++;
            else errors++;
            String kind = NUMBERS.matcher(m.group(2)).replaceAll("#");
            kinds.merge(kind.length() > MESSAGE_CHARS ? kind.substring(0, MESSAGE_CHARS) + "..." : kind, 1, Integer::sum);
        }
        return new Digest(name, warnings, errors, kinds);
    }

    /** Every {@code *.log} in {@code logs} that holds a warning or an error. */
    public static List<Digest> of(Path logs) throws IOException {
        List<Digest> out = new ArrayList<>();
        if (!Files.isDirectory(logs)) return out;
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList()) {
                Digest d = of(f.getFileName().toString(), Files.readAllLines(f, StandardCharsets.ISO_8859_1));
                if (d.warnings() + d.errors() > 0) out.add(d);
            }
        }
        return out;
    }

    public static void print(Path logs, PrintStream out) {
        try {
            List<Digest> all = of(logs);
            out.println(all.isEmpty() ? "daemons' logs: no WARN or ERROR" : "daemons' logs (" + logs + "):");
            all.forEach(d -> out.println("  " + d.describe()));
        } catch (IOException e) {
            out.println("daemons' logs: not read (" + e.getMessage() + ")");
        }
    }
}

package dev.ward.cli.dns;

import dev.ward.cli.OutputOption;
import dev.ward.dnsproxy.fqdn.FqdnEntry;
import dev.ward.dnsproxy.fqdn.FqdnJournal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code wardctl fqdn cache}: the learned names and addresses per endpoint, read from the FQDN journals of the agent
 * and of the standalone proxy. Read from disk rather than asked of a running process: it works while either is
 * down (the moment it matters most), and since every learn is journaled before its answer is released, the journal
 * never lags behind what pods were told.
 */
@Command(name = "fqdn", description = "Inspect toFQDNs state.", subcommands = {FqdnCommand.Cache.class, CommandLine.HelpCommand.class})
public final class FqdnCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (cache)");
    }

    /** One row: an endpoint's name and what it was told, from which process's journal. */
    public record Row(String endpoint, String name, List<String> addresses, Instant expires, String source) {}

    @Command(name = "cache", mixinStandardHelpOptions = true, description = "List the learned names and addresses per endpoint (from the agent's and the standalone proxy's journals).")
    public static final class Cache implements Runnable {
        @Option(names = "--journal", paramLabel = "FILE", description = {
                "An FQDN journal to read; repeatable (default: /var/lib/ward/agent/dns/fqdn-journal.jsonl and",
                "/var/lib/ward/dnsproxy/fqdn-journal.jsonl, those that exist)."})
        List<Path> journals = new ArrayList<>();

        @Option(names = "--endpoint", paramLabel = "NAME", description = "Only this endpoint.")
        String endpoint;

        @Option(names = "--all", description = "Also entries whose TTL has run out (kept while a connection is open, or not yet swept).")
        boolean all;

        @Mixin OutputOption output;

        @Override
        public void run() {
            List<Path> files = journals.isEmpty()
                    ? List.of(Path.of("/var/lib/ward/agent/dns/fqdn-journal.jsonl"), Path.of("/var/lib/ward/dnsproxy/fqdn-journal.jsonl"))
                    : journals;
            Instant now = Instant.now();
            Map<String, Row> rows = new LinkedHashMap<>();
            int read = 0;
            for (Path f : files) {
                if (!Files.exists(f)) {
                    if (!journals.isEmpty()) throw new IllegalArgumentException("no FQDN journal at " + f);
                    continue;
                }
                read++;
                String source = f.toString();
                for (FqdnEntry e : FqdnJournal.read(f).entries()) {
                    if (endpoint != null && !endpoint.equals(e.endpoint())) continue;
                    Instant exp = Instant.ofEpochMilli(e.expiresAtMillis());
                    if (!all && exp.isBefore(now)) continue;
                    String key = e.endpoint() + "\u0000" + e.name() + "\u0000" + source;
                    Row r = rows.get(key);
                    List<String> addrs = new ArrayList<>(r == null ? List.of() : r.addresses());
                    addrs.add(e.address().getHostAddress());
                    Instant later = r == null || exp.isAfter(r.expires()) ? exp : r.expires();
                    rows.put(key, new Row(e.endpoint(), e.name(), addrs, later, source));
                }
            }
            if (read == 0) throw new IllegalArgumentException("no FQDN journal found (looked at " + files + "); give one with --journal");
            List<Row> sorted = new ArrayList<>(rows.values());
            sorted.sort(Comparator.comparing(Row::endpoint).thenComparing(Row::name).thenComparing(Row::source));
            output.print(System.out, sorted, list -> {
                OutputOption.Table t = new OutputOption.Table("ENDPOINT", "NAME", "ADDRESSES", "EXPIRES IN", "JOURNAL");
                for (Row r : list) {
                    Duration left = Duration.between(now, r.expires());
                    t.row(r.endpoint(), r.name(), String.join(",", r.addresses()),
                            left.isNegative() ? "expired" : left.toSeconds() + "s", r.source());
                }
                return t;
            });
        }
    }
}

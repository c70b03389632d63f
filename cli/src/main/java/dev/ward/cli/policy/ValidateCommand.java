package dev.ward.cli.policy;

import dev.ward.cli.CommandFailure;
import dev.ward.cli.OutputOption;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.parse.PolicyProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code wardctl policy validate FILE...}: parses every document of every file and reports each one, with the
 * field path and reason of every error and every warning about how an unusual form was read. Exits non-zero when
 * any document is invalid.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check policy files; print each document's errors (field path and reason) and warnings.")
public final class ValidateCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOption out;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Policy files (YAML or JSON, several documents each).")
    List<Path> files;

    @Option(names = "--namespace", defaultValue = "default", paramLabel = "NS",
            description = "Namespace of namespaced policies that name none (default: ${DEFAULT-VALUE}).")
    String namespace = "default";

    /** One document's result, as printed with -o json. */
    public record Result(String origin, String object, boolean valid, List<PolicyProblem> errors, List<PolicyProblem> warnings) {}

    @Override
    public void run() {
        PolicyParser parser = new PolicyParser(namespace);
        List<Result> results = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f);
            } catch (IOException e) {
                results.add(new Result(f.toString(), "file", false, List.of(new PolicyProblem("", "cannot read: " + e.getMessage())), List.of()));
                continue;
            }
            List<ParsedDocument> docs = parser.parse(text, f.toString());
            if (docs.isEmpty()) {
                results.add(new Result(f.toString(), "file", false, List.of(new PolicyProblem("", "no policy documents")), List.of()));
            }
            for (ParsedDocument d : docs) {
                String object = d.policy() != null ? d.policy().key().toString()
                        : d.service() != null ? "Service/" + d.service().namespace() + "/" + d.service().name() : d.describe();
                results.add(new Result(d.origin(), object, d.ok(), d.errors(), d.warnings()));
            }
        }
        PrintWriter w = spec.commandLine().getOut();
        if (out.json()) {
            w.println(OutputOption.toJson(results));
        } else {
            for (Result r : results) {
                w.println((r.valid() ? "ok       " : "INVALID  ") + r.origin() + "  " + r.object());
                for (PolicyProblem e : r.errors()) w.println("  error:   " + e);
                for (PolicyProblem e : r.warnings()) w.println("  warning: " + e);
            }
        }
        w.flush();
        long invalid = results.stream().filter(r -> !r.valid()).count();
        if (invalid > 0) throw new CommandFailure(invalid + " of " + results.size() + " documents invalid");
    }
}

package dev.ward.cli.policy;

import dev.ward.cli.CommandFailure;
import dev.ward.cli.InputFile;
import dev.ward.cli.OutputOption;
import dev.ward.policy.parse.DuplicateNames;
import dev.ward.policy.parse.FixedPolicies;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.parse.PolicyProblem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code wardctl policy validate FILE...}: parses every document of every file, strictly, and reports each one with
 * the field path and reason of every error and warning. Exits non-zero when any document is invalid.
 * {@code --fix} instead prints the files corrected, for the forms a strict reading refuses but whose meaning is
 * clear, and reports on stderr what it corrected and what no correction covers.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check policy files; print each document's errors (field path and reason) and warnings.",
                "Policy that is not what the schema says is refused; --fix prints it corrected."})
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

    @Option(names = "--fix", description = {"Print the files corrected (field names in the wrong case, labels that lost "
            + "their indentation, unquoted numbers where the schema has strings, ...) on stdout; documents that need "
            + "no correction are printed as written. What was corrected goes to stderr."})
    boolean fix;

    /** One document's result, as printed with -o json. */
    public record Result(String origin, String object, boolean valid, List<PolicyProblem> errors,
                         List<PolicyProblem> warnings, List<PolicyProblem> repairs) {}

    @Override
    public void run() {
        if (fix && out.json()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--fix prints YAML; it cannot be combined with -o json");
        }
        PolicyParser parser = new PolicyParser(namespace);
        List<Result> unreadable = new ArrayList<>();
        List<ParsedDocument> docs = new ArrayList<>();
        StringBuilder corrected = new StringBuilder();
        for (Path f : files) {
            String text;
            try {
                text = InputFile.read(f, "YAML or JSON");
            } catch (IOException e) {
                unreadable.add(new Result(f.toString(), "file", false, List.of(new PolicyProblem("", "cannot read: " + e.getMessage())),
                        List.of(), List.of()));
                continue;
            }
            List<ParsedDocument> parsed;
            if (fix) {
                FixedPolicies fixed = parser.fix(text, f.toString());
                parsed = fixed.documents();
                if (!corrected.isEmpty() && !fixed.text().startsWith("---")) corrected.append("---\n");
                corrected.append(fixed.text());
                if (!fixed.text().isEmpty() && !fixed.text().endsWith("\n")) corrected.append('\n');
            } else {
                parsed = parser.parse(text, f.toString());
            }
            if (parsed.isEmpty()) {
                unreadable.add(new Result(f.toString(), "file", false, List.of(new PolicyProblem("", "no policy documents")),
                        List.of(), List.of()));
            }
            docs.addAll(parsed);
        }
        List<Result> results = new ArrayList<>(unreadable);
        for (ParsedDocument d : DuplicateNames.mark(docs)) {
            results.add(new Result(d.origin(), d.object() != null ? d.object() : d.describe(), d.ok(), d.errors(), d.warnings(), d.repairs()));
        }
        if (fix) {
            spec.commandLine().getOut().print(corrected);
            spec.commandLine().getOut().flush();
            report(spec.commandLine().getErr(), results);
        } else if (out.json()) {
            spec.commandLine().getOut().println(OutputOption.toJson(results));
            spec.commandLine().getOut().flush();
        } else {
            report(spec.commandLine().getOut(), results);
        }
        long invalid = results.stream().filter(r -> !r.valid()).count();
        if (invalid > 0) {
            throw new CommandFailure(invalid + " of " + results.size() + " documents " + (fix ? "still invalid after --fix" : "invalid"));
        }
    }

    private static void report(PrintWriter w, List<Result> results) {
        for (Result r : results) {
            String status = !r.valid() ? "INVALID  " : r.repairs().isEmpty() ? "ok       " : "fixed    ";
            w.println(status + r.origin() + "  " + r.object());
            for (PolicyProblem e : r.errors()) w.println("  error:   " + e);
            for (PolicyProblem e : r.repairs()) w.println("  fixed:   " + e);
            for (PolicyProblem e : r.warnings()) w.println("  warning: " + e);
        }
        w.flush();
    }
}

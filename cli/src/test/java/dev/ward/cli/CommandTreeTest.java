package dev.ward.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conventions operators expect from both launchers, on every command at every depth (the tree is walked, so a
 * command added later is checked without touching this test): {@code -h} and {@code --help} print the command's
 * usage and exit 0, an unknown option exits 2 naming the option, a group without its subcommand exits 2, and a
 * failure at run time exits 1.
 */
class CommandTreeTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyWardctlCommandHasHelpAndUsageErrors() {
        return conventions(new Wardctl(), CliRun::wardctl);
    }

    @TestFactory
    Stream<DynamicTest> everyWardCommandHasHelpAndUsageErrors() {
        return conventions(new Ward(), CliRun::ward);
    }

    private static Stream<DynamicTest> conventions(Object root, Function<String[], CliRun> run) {
        List<CommandLine> all = new ArrayList<>();
        collect(CliExit.commandLine(root, null, null), all);
        assertTrue(all.size() > 5, "the walk found the command tree: " + all.size());
        return all.stream().map(command -> DynamicTest.dynamicTest(command.getCommandSpec().qualifiedName(), () -> {
            List<String> path = path(command);
            String name = command.getCommandSpec().qualifiedName();
            for (String help : List.of("-h", "--help")) {
                CliRun r = run.apply(with(path, help));
                assertEquals(0, r.exit(), name + " " + help + ": " + r.err());
                assertTrue(r.out().contains("Usage: " + name + " "), name + " " + help + " printed:\n" + r.out());
                assertTrue(r.out().contains("Exit status:"), name + " " + help + " documents its exit status:\n" + r.out());
                assertEquals("", r.err(), name + " " + help + " wrote to stderr");
            }
            if (command.getCommand() instanceof CommandLine.HelpCommand) {
                // picocli's own `help` takes any word after it as the name of a command to describe.
                CliRun unknown = run.apply(with(path, "no-such-command"));
                assertEquals(CliExit.USAGE, unknown.exit(), name + " no-such-command: " + unknown.err());
                assertTrue(unknown.err().contains("'no-such-command'"), unknown.err());
                return;
            }
            CliRun unknown = run.apply(with(path, "--no-such-option"));
            assertEquals(CliExit.USAGE, unknown.exit(), name + " --no-such-option: " + unknown.out() + unknown.err());
            assertTrue(unknown.err().contains("'--no-such-option'"), name + ": the error names the option: " + unknown.err());
            assertTrue(unknown.err().contains("Try '" + name + " --help'"), unknown.err());
            if (!command.getSubcommands().isEmpty() && !(command.getCommand() instanceof Runnable)) {
                CliRun bare = run.apply(path.toArray(String[]::new));
                assertEquals(CliExit.USAGE, bare.exit(), name + " without a subcommand: " + bare.err());
            }
        }));
    }

    @Test
    void theVersionIsPrintedAtTheTopAndBelow() {
        for (CliRun r : List.of(CliRun.wardctl("--version"), CliRun.ward("--version"), CliRun.wardctl("node", "list", "--version"))) {
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().matches("ward \\S+\\s*"), r.out());
        }
    }

    @Test
    void aFailureAtRunTimeExitsOne() {
        String missing = "dir:" + tmp.resolve("no-store");
        for (CliRun r : List.of(CliRun.wardctl("node", "list", "--store", missing), CliRun.ward("keyd", "--store", missing))) {
            assertEquals(CliExit.FAILURE, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("does not exist"), r.err());
        }
    }

    @Test
    void aMissingArgumentIsAUsageError() {
        CliRun r = CliRun.wardctl("node", "token", "create");
        assertEquals(CliExit.USAGE, r.exit());
        assertTrue(r.err().contains("Missing required parameter: 'NODE'"), r.err());
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        // Aliases map to the same CommandLine: each command is visited once.
        command.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    private static List<String> path(CommandLine command) {
        List<String> names = new ArrayList<>();
        for (CommandLine c = command; c.getParent() != null; c = c.getParent()) names.addFirst(c.getCommandName());
        return names;
    }

    private static String[] with(List<String> path, String arg) {
        List<String> all = new ArrayList<>(path);
        all.add(arg);
        return all.toArray(String[]::new);
    }
}

package dev.ward.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The option names of a {@code ward} command ({@code agent}, {@code dnsproxy}), read from the CLI's sources: the
 * command class and the mixins it (transitively) declares. Reading sources keeps this module from depending on the
 * CLI and all beneath it.
 */
final class CommandOptions {
    private CommandOptions() {}

    static Set<String> of(String commandName) throws IOException {
        Path sources = ManifestsTest.DEPLOY.getParent().resolve("cli/src/main/java");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        Path command = null;
        for (Path f : files) {
            if (Files.readString(f).contains("@Command(name = \"" + commandName + "\"")) command = f;
        }
        assertNotNull(command, "no @Command(name = \"" + commandName + "\") under " + sources);
        Set<String> options = new HashSet<>();
        List<Path> pending = new ArrayList<>(List.of(command));
        Set<Path> read = new HashSet<>();
        Pattern mixin = Pattern.compile("@Mixin\\s+(\\w+)");
        Pattern names = Pattern.compile("@Option\\(\\s*names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")");
        while (!pending.isEmpty()) {
            Path file = pending.removeLast();
            if (!read.add(file)) continue;
            String text = Files.readString(file);
            for (Matcher m = names.matcher(text); m.find(); ) {
                for (Matcher name = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1)); name.find(); ) options.add(name.group(1));
            }
            for (Matcher m = mixin.matcher(text); m.find(); ) {
                String type = m.group(1);
                pending.add(files.stream().filter(f -> f.getFileName().toString().equals(type + ".java")).findFirst()
                        .orElseThrow(() -> new AssertionError("mixin " + type + " not found under " + sources)));
            }
        }
        assertFalse(options.isEmpty(), "found no options of ward " + commandName + " in " + command);
        return options;
    }
}

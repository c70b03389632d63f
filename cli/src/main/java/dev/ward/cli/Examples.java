package dev.ward.cli;

/** The heading of the examples a command's help ends with (picocli's footer), the same on every command. */
public final class Examples {
    public static final String HEADING = "%nExamples:%n";

    private Examples() {}
}

package dev.ward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One in-process run of {@code wardctl} or {@code ward} and what it printed. The commands print to System.out and
 * System.err, so a run swaps both for its duration: runs are serialised.
 */
public record CliRun(int exit, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static CliRun wardctl(String... args) {
        return of(new Wardctl(), args);
    }

    public static CliRun ward(String... args) {
        return of(new Ward(), args);
    }

    public JsonNode json() throws Exception {
        return JSON.readTree(out);
    }

    private static synchronized CliRun of(Object command, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = CliExit.execute(command, args);
            System.out.flush();
            System.err.flush();
            return new CliRun(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}

package dev.ward.cli;

import picocli.CommandLine;

/**
 * Runs a command line and turns failures into one line on stderr. Operators read these errors in scripts and
 * terminals; a stack trace hides the reason, so it is printed only with WARD_DEBUG=1.
 */
public final class CliExit {
    /** Exit code for a failure the command itself reported (bad input, kernel refusal, store refusal). */
    public static final int FAILURE = 1;
    /** Exit code for a malformed command line. */
    public static final int USAGE = 2;

    private CliExit() {}

    public static int execute(Object command, String... args) {
        return execute(command, null, null, args);
    }

    /** Like {@link #execute(Object, String...)} with the command's output and errors going to the given writers. */
    public static int execute(Object command, java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(command);
        if (out != null) cl.setOut(out);
        if (err != null) cl.setErr(err);
        String name = cl.getCommandName();
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println(name + ": " + describe(ex));
            if ("1".equals(System.getenv("WARD_DEBUG"))) ex.printStackTrace(line.getErr());
            return ex instanceof CommandFailure f ? f.exitCode() : FAILURE;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine line = ex.getCommandLine();
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            line.getErr().println("Try '" + line.getCommandSpec().qualifiedName() + " --help'.");
            return USAGE;
        });
        return cl.execute(args);
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName();
        return msg.replace('\n', ' ');
    }
}

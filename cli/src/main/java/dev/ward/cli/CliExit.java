package dev.ward.cli;

import picocli.CommandLine;

/**
 * Runs a command line and turns failures into one line on stderr. Operators read these errors in scripts and
 * terminals; a stack trace hides the reason, so it is printed only with WARD_DEBUG=1.
 *
 * <p>The exit status is the one kubectl and most Unix tools use: 0 success, 1 a failure the command met at run
 * time (or, for checks such as {@code wardctl status}, a negative answer), 2 a command line that does not parse.
 * Every command gets this from here, not from its own code.
 */
public final class CliExit {
    /** Exit code for a failure the command itself reported (bad input, kernel refusal, store refusal). */
    public static final int FAILURE = 1;
    /** Exit code for a malformed command line. */
    public static final int USAGE = 2;

    /** The exit status lines of every command's help (picocli's {@code exitCodeList}, inherited by subcommands). */
    static final String OK_LINE = "0:success";
    static final String FAILURE_LINE = "1:failure at run time (store, kernel, bad input file), or a check that did not pass";
    static final String USAGE_LINE = "2:usage error: unknown option, missing or malformed argument";

    private CliExit() {}

    public static int execute(Object command, String... args) {
        return execute(command, null, null, args);
    }

    /** Like {@link #execute(Object, String...)} with the command's output and errors going to the given writers. */
    public static int execute(Object command, java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine(command, out, err).execute(args);
    }

    /** The launcher's command line, configured as {@link #execute} runs it (tests walk its command tree). */
    public static CommandLine commandLine(Object command, java.io.PrintWriter out, java.io.PrintWriter err) {
        // Configures logging (DefaultLogging) before any library can write to java.util.logging's own console handler.
        org.slf4j.LoggerFactory.getILoggerFactory();
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
            String qualified = line.getCommandSpec().qualifiedName();
            // picocli checks required parameters before it reports unknown options; a mistyped option is the
            // likelier cause of both, so it is named first.
            if (!(ex instanceof CommandLine.UnmatchedArgumentException) && !line.getUnmatchedArguments().isEmpty()) {
                line.getErr().println(qualified + ": " + new CommandLine.UnmatchedArgumentException(line, line.getUnmatchedArguments()).getMessage());
            }
            line.getErr().println(qualified + ": " + ex.getMessage());
            line.getErr().println("Try '" + qualified + " --help'.");
            return USAGE;
        });
        return cl;
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName();
        return msg.replace('\n', ' ');
    }
}

package dev.ward.cli;

/**
 * A failure a command reports on purpose, with its own exit code: for example {@code wardctl svid verify}
 * exits non-zero with the reason a certificate is not valid.
 */
public final class CommandFailure extends RuntimeException {
    private final int exitCode;

    public CommandFailure(String message) {
        this(message, CliExit.FAILURE);
    }

    public CommandFailure(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}

package dev.ward.cli.logging;

import ch.qos.logback.classic.Level;
import picocli.CommandLine.Option;

/** {@code --log-format} and {@code --log-level} of the daemons ({@code ward keyd}, {@code ward agent}, {@code ward dnsproxy}). */
public final class LogOptions {
    public enum LogLevel {
        error(Level.ERROR), warn(Level.WARN), info(Level.INFO), debug(Level.DEBUG);

        final Level level;

        LogLevel(Level level) {
            this.level = level;
        }
    }

    @Option(names = "--log-format", defaultValue = "${env:WARD_LOG_FORMAT:-text}", paramLabel = "FORMAT",
            description = "Log lines on stderr as ${COMPLETION-CANDIDATES} (json: one object a line; default: ${DEFAULT-VALUE}, or $WARD_LOG_FORMAT).")
    LogFormat format;

    @Option(names = "--log-level", defaultValue = "info", paramLabel = "LEVEL",
            description = "Level of Ward's own log lines: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); libraries log at warn.")
    LogLevel level;

    /** Applies the options; a daemon calls this before it logs anything. */
    public void apply() {
        WardLogging.configure(format, level.level);
    }
}

package dev.ward.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * logback's configurator (found through {@code META-INF/services}): text at INFO until a daemon's options say
 * otherwise. Without it logback would print DEBUG lines of every library to stdout.
 */
public final class DefaultLogging extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        WardLogging.configure(context, LogFormat.text, Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}

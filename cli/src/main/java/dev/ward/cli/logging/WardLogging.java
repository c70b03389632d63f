package dev.ward.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.List;

/**
 * The one logging set-up of both launchers: every line to stderr with a UTC timestamp and its level, as text or as
 * one JSON object a line (logstash-logback-encoder), Ward's own loggers at the chosen level and the libraries'
 * at WARN (their INFO lines are about their own start-up). java.util.logging, which gRPC writes to, goes through
 * the same appender, so nothing reaches the terminal in another format.
 */
public final class WardLogging {
    /** Libraries whose INFO lines say nothing an operator acts on. */
    private static final List<String> QUIET = List.of("io.grpc", "io.netty", "io.vertx", "io.etcd", "io.fabric8", "okhttp3");
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level %logger{0} [%thread] %msg%n";

    private WardLogging() {}

    /** Reconfigures logging for a daemon from its {@code --log-format}/{@code --log-level}. */
    public static void configure(LogFormat format, Level wardLevel) {
        configure((LoggerContext) LoggerFactory.getILoggerFactory(), format, wardLevel);
    }

    static void configure(LoggerContext context, LogFormat format, Level wardLevel) {
        context.reset();
        LevelChangePropagator julLevels = new LevelChangePropagator();
        julLevels.setContext(context);
        julLevels.setResetJUL(true);
        julLevels.start();
        context.addListener(julLevels);

        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder(context, format));
        stderr.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        context.getLogger("dev.ward").setLevel(wardLevel);
        for (String library : QUIET) context.getLogger(library).setLevel(Level.WARN);

        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format) {
        return switch (format) {
            case text -> {
                PatternLayoutEncoder text = new PatternLayoutEncoder();
                text.setContext(context);
                text.setPattern(TEXT_PATTERN);
                text.start();
                yield text;
            }
            case json -> {
                LogstashEncoder json = new LogstashEncoder();
                json.setContext(context);
                json.setTimeZone("UTC");
                // Milliseconds, as the text lines: collectors parse both alike.
                json.setTimestampPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
                // Its "@version" field is logstash's schema version, not Ward's: left out.
                json.getFieldNames().setVersion("[ignore]");
                json.start();
                yield json;
            }
        };
    }
}

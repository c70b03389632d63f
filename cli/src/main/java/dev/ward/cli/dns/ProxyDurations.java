package dev.ward.cli.dns;

import dev.ward.cli.identity.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** Durations as elsewhere in Ward ({@code 2s}, {@code 1h}), plus milliseconds ({@code 500ms}) for the proxy's bounds. */
public final class ProxyDurations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase();
        if (v.endsWith("ms")) {
            try {
                long ms = Long.parseLong(v.substring(0, v.length() - 2));
                if (ms <= 0) throw new CommandLine.TypeConversionException("\"" + value + "\": a duration must be positive");
                return Duration.ofMillis(ms);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("\"" + value + "\" is not a duration (use e.g. 500ms, 2s, 1m)");
            }
        }
        return Durations.parse(value);
    }
}

package dev.ward.cli.identity;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators type them: {@code 90s}, {@code 30m}, {@code 24h}, {@code 365d}, {@code 1h30m}. */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)([smhd])");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String v = value.trim().toLowerCase();
        Matcher m = PART.matcher(v);
        Duration total = Duration.ZERO;
        int end = 0;
        try {
            while (m.find()) {
                if (m.start() != end) break;
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
                end = m.end();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CommandLine.TypeConversionException("\"" + value + "\" is not a duration Ward can hold (too large)");
        }
        if (v.isEmpty() || end != v.length()) {
            throw new CommandLine.TypeConversionException("\"" + value + "\" is not a duration (use e.g. 90s, 30m, 24h, 7d)");
        }
        if (total.isZero()) throw new CommandLine.TypeConversionException("a duration of zero makes no sense here");
        return total;
    }

    /** The short form, for tables: {@code 23h59m}. */
    public static String format(Duration d) {
        if (d.isNegative()) return "-" + format(d.negated());
        long days = d.toDays();
        long hours = d.toHoursPart();
        long minutes = d.toMinutesPart();
        if (days > 0) return days + "d" + (hours > 0 ? hours + "h" : "");
        if (hours > 0) return hours + "h" + (minutes > 0 ? minutes + "m" : "");
        if (minutes > 0) return minutes + "m";
        return d.toSecondsPart() + "s";
    }
}

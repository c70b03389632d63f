package dev.ward.cli.flows;

import picocli.CommandLine;

import java.util.Locale;

/** Sizes as operators type them: {@code 4096}, {@code 64K}, {@code 10M}, {@code 1G} (binary: K is 1024 bytes). */
public final class ByteSizes implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.strip().toUpperCase(Locale.ROOT);
        if (v.endsWith("IB")) v = v.substring(0, v.length() - 2);
        else if (v.endsWith("B")) v = v.substring(0, v.length() - 1);
        int shift = 0;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                default -> { }
            }
        }
        if (shift > 0) v = v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(v);
            if (n <= 0 || n > (Long.MAX_VALUE >> shift)) throw new NumberFormatException();
            return n << shift;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("\"" + value + "\" is not a size (use e.g. 4096, 64K, 10M, 1G)");
        }
    }
}

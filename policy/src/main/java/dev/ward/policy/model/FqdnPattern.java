package dev.ward.policy.model;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A DNS name selector: {@code matchName} (exact) or {@code matchPattern}, where {@code *} matches any run of
 * name characters inside one label (never a dot) and a leading {@code **.} matches one or more whole labels.
 * Matching ignores case and a trailing root dot, and is linear in the name's length ({@link Re2Pattern}): the DNS
 * proxy matches every answer against these.
 */
public final class FqdnPattern {
    private static final Pattern NAME_CHARS = Pattern.compile("[-a-z0-9_.]+");
    private static final Pattern PATTERN_CHARS = Pattern.compile("[-a-z0-9_.*]+");
    private static final String LABEL_CHARS = "[-a-z0-9_]";
    private static final int MAX_NAME_LENGTH = 253;

    private final boolean exact;
    private final String text;
    private final Re2Pattern regex;

    private FqdnPattern(boolean exact, String text, Re2Pattern regex) {
        this.exact = exact;
        this.text = text;
        this.regex = regex;
    }

    public static FqdnPattern matchName(String name) {
        String n = normalize(name);
        if (n.isEmpty() || !NAME_CHARS.matcher(n).matches() || n.startsWith(".") || n.contains("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a DNS name (letters, digits, '-', '_' and dots)");
        }
        return new FqdnPattern(true, n, null);
    }

    public static FqdnPattern matchPattern(String pattern) {
        String p = normalize(pattern);
        if (p.isEmpty() || !PATTERN_CHARS.matcher(p).matches() || p.contains("..")) {
            throw new IllegalArgumentException("'" + pattern + "' is not a DNS pattern (letters, digits, '-', '_', '.' and '*')");
        }
        if (p.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("'" + pattern + "' is longer than a DNS name (" + MAX_NAME_LENGTH + " characters)");
        }
        StringBuilder re = new StringBuilder();
        String rest = p;
        if (p.equals("*")) {
            return new FqdnPattern(false, p, Re2Pattern.compile("[-a-z0-9_.]+"));
        }
        if (p.startsWith("**.")) {
            re.append("(?:").append(LABEL_CHARS).append("+\\.)+");
            rest = p.substring(3);
        }
        if (rest.contains("**")) {
            throw new IllegalArgumentException("'" + pattern + "': '**' is only allowed as the leading label ('**.example.com')");
        }
        for (char c : rest.toCharArray()) {
            switch (c) {
                case '*' -> re.append(LABEL_CHARS).append('*');
                case '.' -> re.append("\\.");
                default -> re.append(c);
            }
        }
        return new FqdnPattern(false, p, Re2Pattern.compile(re.toString()));
    }

    /** Lower case without the trailing root dot, the form names are compared in. */
    public static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") && n.length() > 1 ? n.substring(0, n.length() - 1) : n;
    }

    public boolean matches(String name) {
        String n = normalize(name);
        return exact ? n.equals(text) : regex.matchesWhole(n);
    }

    public boolean isExact() {
        return exact;
    }

    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FqdnPattern f && exact == f.exact && text.equals(f.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode() * 2 + (exact ? 1 : 0);
    }

    @Override
    public String toString() {
        return (exact ? "matchName:" : "matchPattern:") + text;
    }
}

package dev.ward.policy.model;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A DNS name selector: {@code matchName} (exact) or {@code matchPattern}, where {@code *} matches any run of
 * name characters inside one label (never a dot) and a leading {@code **.} matches one or more whole labels.
 * Matching ignores case and a trailing root dot. The DNS proxy matches every answer against these, so matching
 * needs no regular expression: a pattern's labels are compared with the name's, label by label, with a wildcard
 * matcher that never backtracks past its last star (at most name length x pattern length steps).
 */
public final class FqdnPattern {
    private static final Pattern NAME_CHARS = Pattern.compile("[-a-z0-9_.]+");
    private static final Pattern PATTERN_CHARS = Pattern.compile("[-a-z0-9_.*]+");
    private static final int MAX_NAME_LENGTH = 253;

    private final boolean exact;
    private final String text;
    /** For a pattern: its labels after a leading "**." (if any), and whether that prefix was there. */
    private final String[] labels;
    private final boolean anyLeadingLabels;

    private FqdnPattern(boolean exact, String text, String[] labels, boolean anyLeadingLabels) {
        this.exact = exact;
        this.text = text;
        this.labels = labels;
        this.anyLeadingLabels = anyLeadingLabels;
    }

    public static FqdnPattern matchName(String name) {
        String n = normalize(name);
        if (n.isEmpty() || !NAME_CHARS.matcher(n).matches() || n.startsWith(".") || n.contains("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a DNS name (letters, digits, '-', '_' and dots)");
        }
        return new FqdnPattern(true, n, null, false);
    }

    public static FqdnPattern matchPattern(String pattern) {
        String p = normalize(pattern);
        if (p.isEmpty() || !PATTERN_CHARS.matcher(p).matches() || p.contains("..")) {
            throw new IllegalArgumentException("'" + pattern + "' is not a DNS pattern (letters, digits, '-', '_', '.' and '*')");
        }
        if (p.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("'" + pattern + "' is longer than a DNS name (" + MAX_NAME_LENGTH + " characters)");
        }
        if (p.equals("*")) return new FqdnPattern(false, p, null, false);
        boolean any = p.startsWith("**.");
        String rest = any ? p.substring(3) : p;
        if (rest.contains("**")) {
            throw new IllegalArgumentException("'" + pattern + "': '**' is only allowed as the leading label ('**.example.com')");
        }
        return new FqdnPattern(false, p, rest.split("\\.", -1), any);
    }

    private static boolean labelChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    private static boolean labelChars(String s, int from, int to) {
        for (int i = from; i < to; i++) if (!labelChar(s.charAt(i))) return false;
        return true;
    }

    /**
     * Whether name[from, to) matches one pattern label, '*' standing for any run of label characters. Every name
     * character must be a label character (a literal of the pattern is one, and so is what '*' covers), after which
     * the classic wildcard walk is exact: on a mismatch, only the last star needs to take one more character.
     */
    private static boolean labelMatches(String glob, String name, int from, int to) {
        if (!labelChars(name, from, to)) return false;
        int g = 0;
        int n = from;
        int star = -1;
        int resume = 0;
        while (n < to) {
            if (g < glob.length() && glob.charAt(g) != '*' && glob.charAt(g) == name.charAt(n)) {
                g++;
                n++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = n;
            } else if (star >= 0) {
                g = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') g++;
        return g == glob.length();
    }

    /** Lower case without the trailing root dot, the form names are compared in. */
    public static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") && n.length() > 1 ? n.substring(0, n.length() - 1) : n;
    }

    public boolean matches(String name) {
        String n = normalize(name);
        if (exact) return n.equals(text);
        if (labels == null) { // "*": one or more name characters, dots included
            if (n.isEmpty()) return false;
            for (int i = 0; i < n.length(); i++) if (n.charAt(i) != '.' && !labelChar(n.charAt(i))) return false;
            return true;
        }
        // The pattern's labels take the name's last labels, right to left.
        int end = n.length();
        for (int i = labels.length - 1; i >= 1; i--) {
            int dot = n.lastIndexOf('.', end - 1);
            if (dot < 0 || !labelMatches(labels[i], n, dot + 1, end)) return false;
            end = dot;
        }
        int dot = n.lastIndexOf('.', end - 1);
        if (!anyLeadingLabels) return dot < 0 && labelMatches(labels[0], n, 0, end);
        // "**." takes what is left before the first pattern label: one or more whole, non-empty labels.
        if (dot < 0 || !labelMatches(labels[0], n, dot + 1, end)) return false;
        int start = 0;
        while (true) {
            int next = n.indexOf('.', start);
            int stop = next < 0 || next > dot ? dot : next;
            if (stop == start || !labelChars(n, start, stop)) return false;
            if (stop == dot) return true;
            start = stop + 1;
        }
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

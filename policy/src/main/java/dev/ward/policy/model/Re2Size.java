package dev.ward.policy.model;

/**
 * An upper bound on the size of the program an RE2 pattern compiles to, computed from the pattern's text before
 * it is compiled. RE2J has no size limit of its own, and counted repetition multiplies: {@code ((a{100}){100}){100}}
 * compiles to a million instructions, and one more level exhausts the heap while the policy is read. Each literal,
 * class or anchor counts 1; alternation and concatenation add; {@code * + ?} add 1; {@code {n,m}} multiplies by m
 * (plus m, for its optional copies). Text that is not valid RE2 only ever counts more here; RE2J reports the error.
 */
final class Re2Size {
    private final String p;
    private int i;

    private Re2Size(String pattern) {
        this.p = pattern;
    }

    static long of(String pattern) {
        Re2Size s = new Re2Size(pattern);
        long total = 0;
        while (s.i < s.p.length()) {
            total = add(total, s.alternation());
            if (s.i < s.p.length()) s.i++; // an unbalanced ')': count on
        }
        return total;
    }

    private static long add(long a, long b) {
        return Math.min(a + b, Long.MAX_VALUE / 4);
    }

    private static long times(long a, long n) {
        return n != 0 && a > Long.MAX_VALUE / 4 / n ? Long.MAX_VALUE / 4 : a * n;
    }

    private long alternation() {
        long size = concatenation();
        while (i < p.length() && p.charAt(i) == '|') {
            i++;
            size = add(add(size, concatenation()), 1);
        }
        return size;
    }

    private long concatenation() {
        long size = 0;
        while (i < p.length() && p.charAt(i) != '|' && p.charAt(i) != ')') {
            long atom = atom();
            size = add(size, quantified(atom));
        }
        return size;
    }

    private long quantified(long atom) {
        long size = atom;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '*' || c == '+' || c == '?') {
                i++;
                size = add(size, 1);
            } else if (c == '{' && repeat() instanceof long[] r) {
                long copies = Math.max(1, r[1] < 0 ? r[0] + 1 : r[1]);
                size = add(times(size, copies), copies);
            } else {
                break;
            }
            if (i < p.length() && p.charAt(i) == '?') i++; // non-greedy
        }
        return size;
    }

    /** {@code {n}}, {@code {n,}} or {@code {n,m}} at i, as {min, max (-1: none)}; null (i unmoved) for a literal '{'. */
    private long[] repeat() {
        int j = i + 1;
        int start = j;
        while (j < p.length() && Character.isDigit(p.charAt(j))) j++;
        if (j == start || j - start > 9) return null;
        long min = Long.parseLong(p.substring(start, j));
        long max = min;
        if (j < p.length() && p.charAt(j) == ',') {
            int s2 = ++j;
            while (j < p.length() && Character.isDigit(p.charAt(j))) j++;
            if (j - s2 > 9) return null;
            max = j == s2 ? -1 : Long.parseLong(p.substring(s2, j));
        }
        if (j >= p.length() || p.charAt(j) != '}') return null;
        i = j + 1;
        return new long[] {min, max};
    }

    private long atom() {
        char c = p.charAt(i);
        switch (c) {
            case '(' -> {
                i++;
                if (i < p.length() && p.charAt(i) == '?') {
                    int close = groupPrefixEnd();
                    if (close >= 0 && p.charAt(close) == ')') { // (?i): a flag change, no operand
                        i = close + 1;
                        return 0;
                    }
                    if (close >= 0) i = close + 1;
                }
                long inner = alternation();
                if (i < p.length() && p.charAt(i) == ')') i++;
                return add(inner, 1);
            }
            case '[' -> {
                skipClass();
                return 1;
            }
            case '\\' -> {
                return escape();
            }
            default -> {
                i++;
                return 1;
            }
        }
    }

    /** After "(?": the index of the ':' or '>' that opens the group's body, or of the ')' that ends a flag group. */
    private int groupPrefixEnd() {
        for (int j = i + 1; j < p.length(); j++) {
            char c = p.charAt(j);
            if (c == ':' || c == ')' || c == '>') return j;
        }
        return -1;
    }

    private void skipClass() {
        i++;
        if (i < p.length() && p.charAt(i) == '^') i++;
        if (i < p.length() && p.charAt(i) == ']') i++;
        while (i < p.length() && p.charAt(i) != ']') {
            if (p.charAt(i) == '\\') i += 2;
            else if (p.startsWith("[:", i)) {
                int end = p.indexOf(":]", i + 2);
                i = end < 0 ? i + 1 : end + 2;
            } else i++;
        }
        i++;
    }

    private long escape() {
        i++;
        if (i >= p.length()) return 1;
        char c = p.charAt(i++);
        if (c == 'Q') { // \Q...\E: every character a literal
            int end = p.indexOf("\\E", i);
            int stop = end < 0 ? p.length() : end;
            long n = Math.max(1, stop - i);
            i = end < 0 ? p.length() : end + 2;
            return n;
        }
        if ((c == 'p' || c == 'P' || c == 'x') && i < p.length() && p.charAt(i) == '{') {
            int end = p.indexOf('}', i);
            i = end < 0 ? p.length() : end + 1;
        } else if (c == 'p' || c == 'P') {
            i = Math.min(p.length(), i + 1);
        } else if (c == 'x') {
            i = Math.min(p.length(), i + 2);
        }
        return 1;
    }
}

package dev.ward.policy.model;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A regular expression of a policy rule, in RE2 syntax (what Cilium, Envoy and Go accept: no backreferences, no
 * lookaround, POSIX classes like {@code [[:digit:]]}), matched against a whole value in time linear in the value's
 * * length, whatever the pattern: the L7 proxies run these on every request. The cost per character grows
 * with the compiled program, so programs above {@value #MAX_PROGRAM_SIZE} instructions are refused when the policy is
 * read (Envoy's default error level is 100). RE2J itself sets no limit, and counted repetition multiplies, so a
 * pattern's size is bounded from its text before RE2J compiles it.
 *
 * <p>Instances are immutable and safe to share between threads (RE2/J's matching state is per call).
 *
 * <p>Most rules are a literal ({@code GET}, {@code /public}) or a literal followed by {@code .*} ({@code /v1/.*});
 * those match without RE2J, exactly as RE2 would (its {@code .} excludes only a newline), at a fraction of the cost.
 */
public final class Re2Pattern {
    public static final int MAX_PROGRAM_SIZE = 1_000;
    /** The bound from the text is an estimate: leave it room, it only has to keep compilation small. */
    private static final long MAX_ESTIMATE = 10L * MAX_PROGRAM_SIZE;

    private static final String META = "\\.+*?()|[]{}^$";

    private final String pattern;
    private final Pattern compiled;
    /** The pattern's literal text when it is a literal, or a literal followed by ".*"; else null. */
    private final String literal;
    private final boolean literalThenAnything;

    private Re2Pattern(String pattern, Pattern compiled) {
        this.pattern = pattern;
        this.compiled = compiled;
        String head = pattern.endsWith(".*") ? pattern.substring(0, pattern.length() - 2) : pattern;
        boolean plain = head.chars().noneMatch(c -> META.indexOf(c) >= 0);
        this.literal = plain ? head : null;
        this.literalThenAnything = plain && head.length() < pattern.length();
    }

    /** @throws IllegalArgumentException naming the pattern and what RE2 refuses in it, or that it is too large */
    public static Re2Pattern compile(String pattern) {
        long estimate = Re2Size.of(pattern);
        if (estimate > MAX_ESTIMATE) throw tooLarge(pattern, estimate >= Long.MAX_VALUE / 4 ? "far more than " + MAX_ESTIMATE : "about " + estimate);
        try {
            Pattern compiled = Pattern.compile(pattern);
            if (compiled.programSize() > MAX_PROGRAM_SIZE) throw tooLarge(pattern, String.valueOf(compiled.programSize()));
            return new Re2Pattern(pattern, compiled);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression '" + abbreviate(pattern) + "': "
                    + e.getDescription() + (e.getPattern().isEmpty() ? "" : ": `" + e.getPattern() + "`"));
        }
    }

    private static IllegalArgumentException tooLarge(String pattern, String size) {
        return new IllegalArgumentException("regular expression '" + abbreviate(pattern) + "' is too large: " + size
                + " instructions, at most " + MAX_PROGRAM_SIZE + " (counted repetition multiplies: (a{10}){10} is 100 a's)");
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** Whether the whole of {@code value} matches (an HTTP path rule {@code /public} does not admit {@code /public/x}). */
    public boolean matchesWhole(CharSequence value) {
        if (literal == null) return compiled.matches(value.toString());
        String v = value.toString();
        if (!literalThenAnything) return v.equals(literal);
        return v.startsWith(literal) && v.indexOf('\n', literal.length()) < 0;
    }

    public String pattern() {
        return pattern;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Re2Pattern r && r.pattern.equals(pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    @Override
    public String toString() {
        return pattern;
    }
}

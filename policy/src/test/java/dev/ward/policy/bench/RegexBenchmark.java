package dev.ward.policy.bench;

import dev.ward.policy.model.FqdnPattern;
import dev.ward.policy.model.Re2Pattern;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * bench/l7-regex: what the L7 and DNS proxies pay per match with Ward's linear-time matcher ({@link Re2Pattern},
 * RE2/J) beside java.util.regex, the backtracking engine Ward used before, on the same patterns and inputs in one
 * run: (a) patterns of the kind Cilium HTTP and DNS rules hold, ns per match and the ratio; (b) patterns that make
 * a backtracking engine exponential or polynomial, as the input grows (java.util.regex is stopped once one match
 * takes more than two seconds). Run by bench/l7-regex; not a test.
 */
public final class RegexBenchmark {
    private static long sink;

    record Case(String name, String regex, String input) {}

    public static void main(String[] args) {
        List<Case> typical = List.of(
                new Case("method GET", "GET", "GET"),
                new Case("method GET|PUT (PUT)", "GET|PUT", "PUT"),
                new Case("path /public (exact)", "/public", "/public"),
                new Case("path /v1/.* ", "/v1/.*", "/v1/request-landing"),
                new Case("path with a UUID", "/api/v[0-9]+/users/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                        "/api/v2/users/123e4567-e89b-12d3-a456-426614174000"),
                new Case("host (api|www)\\.example\\.com", "(api|www)\\.example\\.com", "www.example.com"),
                new Case("path /static/.* over 2 KiB", "/static/.*", "/static/" + "x".repeat(2048)),
                new Case("path mismatch early", "/admin/.*", "/public/" + "x".repeat(200)));
        System.out.println("(a) typical rules, ns per whole-value match (lower is better); ratio = RE2/J / java.util.regex");
        System.out.printf(Locale.ROOT, "%-34s %12s %16s %7s%n", "pattern", "RE2/J (Ward)", "java.util.regex", "ratio");
        for (Case c : typical) {
            Re2Pattern re2 = Re2Pattern.compile(c.regex);
            Pattern jdk = Pattern.compile(c.regex);
            double a = nsPerMatch(re2::matchesWhole, c.input);
            double b = nsPerMatch(s -> jdk.matcher(s).matches(), c.input);
            System.out.printf(Locale.ROOT, "%-34s %12.0f %16.0f %7.2f%n", c.name, a, b, a / b);
        }
        FqdnPattern dns = FqdnPattern.matchPattern("*.example.com");
        Pattern dnsJdk = Pattern.compile("[-a-z0-9_]*\\.example\\.com");
        double a = nsPerMatch(dns::matches, "api.example.com");
        double b = nsPerMatch(s -> dnsJdk.matcher(FqdnPattern.normalize(s)).matches(), "api.example.com");
        System.out.printf(Locale.ROOT, "%-34s %12.0f %16.0f %7.2f%n", "DNS matchPattern *.example.com", a, b, a / b);

        System.out.println();
        System.out.println("(b) backtracking patterns, ms for one match as the input grows ('-' = stopped: over 2 s before)");
        growth("((a|a)*)*c over n a's", "((a|a)*)*c", n -> "a".repeat(n), new int[] {12, 16, 20, 22, 24, 26, 35, 1000});
        growth("(a+)+b over n a's", "(a+)+b", n -> "a".repeat(n), new int[] {1000, 4000, 16000, 32000, 50000, 100000});
        growth("DNS *a*a*a*a*a*a*a*a*.example.com", "[-a-z0-9_]*a[-a-z0-9_]*a[-a-z0-9_]*a[-a-z0-9_]*a[-a-z0-9_]*a"
                + "[-a-z0-9_]*a[-a-z0-9_]*a[-a-z0-9_]*a[-a-z0-9_]*\\.example\\.com", n -> "a".repeat(n) + ".example.co",
                new int[] {16, 24, 32, 36, 40, 60});
        System.out.println("sink " + (sink & 1));
    }

    private static double nsPerMatch(Predicate<String> matcher, String input) {
        for (int i = 0; i < 200_000; i++) if (matcher.test(input)) sink++;
        int rounds = 5;
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            int n = 200_000;
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) if (matcher.test(input)) sink++;
            best = Math.min(best, (System.nanoTime() - t) / (double) n);
        }
        return best;
    }

    private static void growth(String name, String regex, java.util.function.IntFunction<String> input, int[] sizes) {
        Re2Pattern re2 = Re2Pattern.compile(regex);
        Pattern jdk = Pattern.compile(regex);
        System.out.printf(Locale.ROOT, "%-36s %8s %14s %16s%n", name, "n", "RE2/J ms", "java.util.regex ms");
        boolean jdkStopped = false;
        for (int n : sizes) {
            String s = input.apply(n);
            for (int i = 0; i < 20; i++) if (re2.matchesWhole(s)) sink++;
            long t = System.nanoTime();
            if (re2.matchesWhole(s)) sink++;
            double re2Ms = (System.nanoTime() - t) / 1e6;
            String jdkMs = "-";
            if (!jdkStopped) {
                t = System.nanoTime();
                if (jdk.matcher(s).matches()) sink++;
                double ms = (System.nanoTime() - t) / 1e6;
                jdkMs = String.format(Locale.ROOT, "%.1f", ms);
                jdkStopped = ms > 2000;
            }
            System.out.printf(Locale.ROOT, "%-36s %8d %14.3f %16s%n", "", n, re2Ms, jdkMs);
        }
    }
}

package dev.ward.testbed.junit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The results file a guest writes and the host reads: one line per test, tab-separated, free text in
 * base64 so that messages and stack traces cannot break the format.
 */
public final class GuestTestResults {
    private static final String HEADER = "ward-guest-test-results v1";

    private GuestTestResults() {}

    public static String format(List<GuestTestResult> results) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (GuestTestResult r : results) {
            sb.append(r.status()).append('\t').append(r.className()).append('\t').append(b64(r.testName())).append('\t')
                    .append(r.millis()).append('\t').append(b64(r.message())).append('\t').append(b64(r.trace())).append('\n');
        }
        return sb.toString();
    }

    public static List<GuestTestResult> parse(String text) {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
            throw new IllegalArgumentException("not a guest test results file (first line: "
                    + (lines.isEmpty() ? "none" : lines.getFirst()) + ")");
        }
        List<GuestTestResult> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            if (f.length != 6) throw new IllegalArgumentException("results line " + (i + 1) + " has " + f.length + " fields, expected 6");
            out.add(new GuestTestResult(f[1], unb64(f[2]), GuestTestResult.Status.valueOf(f[0]), Long.parseLong(f[3]),
                    unb64(f[4]), unb64(f[5])));
        }
        return out;
    }

    private static String b64(String s) {
        return s == null ? "-" : Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return s.equals("-") ? null : new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}

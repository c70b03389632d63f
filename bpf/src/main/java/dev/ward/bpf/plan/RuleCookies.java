package dev.ward.bpf.plan;

import dev.ward.policy.model.RuleRef;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The 32-bit cookie a policy map value carries to name the rules that decided: a hash of the rule sections,
 * so the same rules give the same cookie in every process (a restarted agent finds its values unchanged), and
 * a registry back from cookies to rules for whoever reads flow events. Cookie 0 means "no rule" (the
 * direction's default decided).
 */
public final class RuleCookies {
    private final Map<List<RuleRef>, Integer> cookies = new ConcurrentHashMap<>();
    private final Map<Integer, Set<List<RuleRef>>> rules = new ConcurrentHashMap<>();

    public int cookieFor(List<RuleRef> decidingRules) {
        if (decidingRules.isEmpty()) return 0;
        Integer known = cookies.get(decidingRules);
        if (known != null) return known;
        List<RuleRef> key = List.copyOf(decidingRules);
        int c = hash(key);
        cookies.put(key, c);
        rules.computeIfAbsent(c, k -> ConcurrentHashMap.newKeySet()).add(key);
        return c;
    }

    /**
     * The rule sections a cookie stands for; more than one list only if two rule sets share a hash, which the
     * reader then disambiguates by the endpoint's table.
     */
    public Set<List<RuleRef>> rulesOf(int cookie) {
        return rules.getOrDefault(cookie, Set.of());
    }

    static int hash(List<RuleRef> refs) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (RuleRef r : new TreeSet<>(refs)) {
                d.update(r.toString().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            byte[] h = d.digest();
            int c = ((h[0] & 0xFF) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
            return c == 0 ? 1 : c;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

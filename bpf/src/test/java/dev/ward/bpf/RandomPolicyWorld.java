package dev.ward.bpf;

import dev.ward.policy.identity.Identity;
import dev.ward.policy.model.Policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random Cilium policies over a small label universe, so rules overlap: port ranges with arbitrary edges,
 * allows and denies on the same ports, L4-only and L3-only rules, ICMP types, CIDR peers (node-local
 * identities) and L7 redirects.
 */
public final class RandomPolicyWorld {
    static final String[] APPS = {"a", "b", "c", "d"};
    private final Random r;

    public RandomPolicyWorld(long seed) {
        this.r = new Random(seed);
    }

    public Random random() {
        return r;
    }

    private String pick(String[] s) {
        return s[r.nextInt(s.length)];
    }

    public List<Identity> identities(int first, int count) {
        List<Identity> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(TestPolicies.pod(first + i, "app=" + pick(APPS) + ",role=" + pick(new String[] {"x", "y"})));
        return out;
    }

    public Policy policy(String name) {
        StringBuilder spec = new StringBuilder("{endpointSelector: {matchLabels: {app: " + pick(APPS) + "}}");
        List<Integer> kinds = new ArrayList<>(List.of(0, 1, 2, 3));
        java.util.Collections.shuffle(kinds, r);
        int sections = 1 + r.nextInt(3);
        for (int s = 0; s < sections; s++) {
            boolean ingress = kinds.get(s) % 2 == 0;
            boolean deny = kinds.get(s) >= 2 && r.nextInt(2) == 0;
            if (kinds.get(s) >= 2 && !deny) continue;
            spec.append(", ").append(ingress ? "ingress" : "egress").append(deny ? "Deny" : "").append(": [");
            int rules = 1 + r.nextInt(2);
            for (int i = 0; i < rules; i++) {
                if (i > 0) spec.append(", ");
                spec.append(rule(ingress, deny));
            }
            spec.append("]");
        }
        return TestPolicies.cnp(name, spec.append("}").toString());
    }

    private String rule(boolean ingress, boolean deny) {
        List<String> parts = new ArrayList<>();
        String dir = ingress ? "from" : "to";
        switch (r.nextInt(5)) {
            case 0 -> parts.add(dir + "Endpoints: [{matchLabels: {app: " + pick(APPS) + "}}]");
            case 1 -> parts.add(dir + "Endpoints: [{}]");
            case 2 -> parts.add(dir + "CIDR: ['10." + (100 + r.nextInt(3)) + ".0.0/16']");
            case 3 -> parts.add(dir + "Entities: [world]");
            default -> { }
        }
        int kind = r.nextInt(6);
        if (kind == 0) {
            parts.add("icmps: [{fields: [{type: " + (r.nextBoolean() ? 8 : 13) + ", family: IPv4}]}]");
        } else if (kind == 1 && parts.isEmpty()) {
            parts.add("toPorts: [{ports: [{port: '0', protocol: ANY}]}]");
        } else if (kind == 2 && !deny) {
            parts.add("toPorts: [{ports: [{port: '" + pick(new String[] {"80", "8080"}) + "', protocol: TCP}], rules: {http: [{method: GET}]}}]");
        } else if (kind < 5 || parts.isEmpty()) {
            List<String> ports = new ArrayList<>();
            for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) ports.add(port());
            parts.add("toPorts: [{ports: [" + String.join(", ", ports) + "]}]");
        }
        return "{" + String.join(", ", parts) + "}";
    }

    private String port() {
        String proto = pick(new String[] {"TCP", "UDP", "SCTP", "ANY", "TCP"});
        int low = switch (r.nextInt(4)) {
            case 0 -> 1 + r.nextInt(1024);
            case 1 -> 1000 + r.nextInt(9000);
            case 2 -> 65000 + r.nextInt(535);
            default -> new int[] {53, 80, 443, 8080, 1024, 32768}[r.nextInt(6)];
        };
        if (r.nextBoolean()) return "{port: '" + low + "', protocol: " + proto + "}";
        int high = Math.min(65535, low + r.nextInt(r.nextBoolean() ? 20 : 5000));
        return "{port: '" + low + "', endPort: " + high + ", protocol: " + proto + "}";
    }
}

package dev.ward.bpf.datapath;

import dev.ward.bpf.maps.PolicyKey;
import dev.ward.bpf.maps.PolicyValue;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A row of an endpoint's policy map as read back: the port prefixes of one (direction, identity, protocol)
 * with one value, folded back into a range. What {@code wardctl policy get} shows: the kernel's view.
 */
public record PolicyRow(Direction direction, int remoteId, Protocol protocol, int low, int high, Verdict.Kind verdict,
                        int proxyPort, int cookie) {
    private static final Comparator<PolicyRow> ORDER = Comparator.comparing(PolicyRow::direction)
            .thenComparing(PolicyRow::remoteId, Integer::compareUnsigned).thenComparing(PolicyRow::protocol)
            .thenComparingInt(PolicyRow::low);

    static List<PolicyRow> fold(Map<PolicyKey, PolicyValue> entries) {
        List<PolicyRow> single = new ArrayList<>();
        for (Map.Entry<PolicyKey, PolicyValue> e : entries.entrySet()) {
            PolicyKey k = e.getKey();
            PolicyValue v = e.getValue();
            single.add(new PolicyRow(k.direction(), k.identity(), k.protocol(), k.port().low(), k.port().high(), v.verdict(),
                    v.proxyPort(), v.cookie()));
        }
        single.sort(ORDER);
        List<PolicyRow> out = new ArrayList<>();
        for (PolicyRow r : single) {
            PolicyRow last = out.isEmpty() ? null : out.getLast();
            if (last != null && last.continuedBy(r)) out.set(out.size() - 1, last.through(r.high));
            else out.add(r);
        }
        return out;
    }

    private boolean continuedBy(PolicyRow r) {
        return direction == r.direction && remoteId == r.remoteId && protocol == r.protocol && high + 1 == r.low
                && verdict == r.verdict && proxyPort == r.proxyPort && cookie == r.cookie;
    }

    private PolicyRow through(int newHigh) {
        return new PolicyRow(direction, remoteId, protocol, low, newHigh, verdict, proxyPort, cookie);
    }

    @Override
    public String toString() {
        String ports = low == 0 && high == 65535 ? "*" : low == high ? String.valueOf(low) : low + "-" + high;
        return direction.lower() + " " + IdentityNumbers.describe(remoteId) + " " + protocol + " " + ports + " -> "
                + verdict.name().toLowerCase() + (proxyPort != 0 ? ":" + proxyPort : "") + " cookie " + Integer.toHexString(cookie);
    }
}

package dev.ward.policy.trace;

import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Cidr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** One end of a traced flow: a workload given by labels, a bare address, or a DNS name the workload looked up. */
public sealed interface FlowPeer {
    Pattern HOSTNAME = Pattern.compile("(?=.*[a-zA-Z])[a-zA-Z0-9_]([-a-zA-Z0-9_]*)(\\.[-a-zA-Z0-9_]+)+\\.?");

    record Labels(LabelSet labels) implements FlowPeer {
        @Override
        public String toString() {
            return labels.toString();
        }
    }

    record Address(InetAddress address) implements FlowPeer {
        @Override
        public String toString() {
            return address.getHostAddress();
        }
    }

    /**
     * A DNS name; {@code address} is what the DNS proxy saw it resolve to (a TEST-NET-3 address when the operator
     * gave only the name: the trace then asks what holds for whatever address the name resolves to).
     */
    record DnsName(String name, InetAddress address) implements FlowPeer {
        @Override
        public String toString() {
            return name + " (" + address.getHostAddress() + ")";
        }
    }

    /**
     * Parses an operator's description: an IP address, a DNS name ({@code api.github.com}, optionally
     * {@code api.github.com@192.0.2.7}), or a label set ({@code k8s:app=web,k8s:io.kubernetes.pod.namespace=prod};
     * labels without a source are {@code k8s:} labels).
     */
    static FlowPeer parse(String text) {
        String t = text.strip();
        if (Cidr.isAddress(t)) return new Address(Cidr.parse(t).address());
        int at = t.indexOf('@');
        String name = at < 0 ? t : t.substring(0, at);
        if (!t.contains("=") && HOSTNAME.matcher(name).matches() && !name.contains(":")) {
            InetAddress a = at < 0 ? syntheticAddress(name) : Cidr.parse(t.substring(at + 1)).address();
            return new DnsName(name, a);
        }
        if (t.contains("=") || t.contains(":")) return new Labels(LabelSet.parse(t, LabelSource.K8S));
        throw new IllegalArgumentException("'" + text + "' is neither a label set (key=value,...), an IP address nor a DNS name");
    }

    private static InetAddress syntheticAddress(String name) {
        int h = Math.floorMod(name.toLowerCase().hashCode(), 254) + 1;
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, (byte) h});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}

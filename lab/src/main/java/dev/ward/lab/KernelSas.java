package dev.ward.lab;

import dev.ward.xfrm.InstalledSa;
import dev.ward.xfrm.XfrmClient;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ESP SAs one node's kernel holds, as the scenarios check agents against them: in the lab read through Ward's
 * xfrm API from the node's namespace, on a real cluster from {@code wardctl xfrm states -o json} on the node.
 */
public record KernelSas(String where, List<Sa> sas) {
    /** One SA: its addresses, SPI and how many packets it carried. */
    public record Sa(InetAddress source, InetAddress destination, int spi, long packets) {}

    public static KernelSas of(LabNetwork.Node node) {
        try (XfrmClient x = XfrmClient.open(node.netns())) {
            return new KernelSas(node.netns(), x.states().stream().map(KernelSas::sa).toList());
        }
    }

    private static Sa sa(InstalledSa installed) {
        var a = installed.association();
        return new Sa(a.source(), a.destination(), a.spi(), installed.counters().packets());
    }

    public List<Sa> between(InetAddress a, InetAddress b) {
        return sas.stream().filter(s -> s.source().equals(a) && s.destination().equals(b)).toList();
    }

    /** Whether there is an SA each way between {@code self} and {@code peer}. */
    public boolean pairedWith(InetAddress self, InetAddress peer) {
        return !between(self, peer).isEmpty() && !between(peer, self).isEmpty();
    }

    /** Whether any SA has {@code peer} at either end. */
    public boolean mentions(InetAddress peer) {
        return sas.stream().anyMatch(s -> s.source().equals(peer) || s.destination().equals(peer));
    }

    /** The SPIs of the SAs from {@code self} to {@code peer} (outbound), as hex. */
    public Set<String> outboundSpis(InetAddress self, InetAddress peer) {
        Set<String> s = new TreeSet<>();
        between(self, peer).forEach(sa -> s.add(String.format("0x%08x", sa.spi())));
        return s;
    }

    /** Packets carried so far by the SAs from {@code self} to {@code peer}. */
    public long packetsTo(InetAddress self, InetAddress peer) {
        return between(self, peer).stream().mapToLong(Sa::packets).sum();
    }

    public String describe(InetAddress self) {
        StringBuilder b = new StringBuilder(where + ": " + sas.size() + " SAs");
        for (Sa sa : sas) {
            b.append(sa.source().equals(self) ? " out->" + sa.destination().getHostAddress() : " in<-" + sa.source().getHostAddress())
                    .append(String.format("/0x%08x", sa.spi()));
        }
        return b.toString();
    }
}

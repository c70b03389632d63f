package dev.ward.xfrm;

import dev.ward.netlink.IpPrefix;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One ESP security association as Ward installs it: which packets (outer addresses, SPI, mark, interface id)
 * it protects and how (mode, algorithm, replay protection, lifetime). {@code mark}, {@code outputMark} and
 * {@code offload} are null when unused; {@code ifId} 0 means no xfrm interface.
 */
public record SecurityAssociation(InetAddress source, InetAddress destination, int spi, XfrmMode mode, int reqid,
                                  EspAlgorithm algorithm, ReplayProtection replay, Selector selector, Mark mark,
                                  Mark outputMark, int ifId, Lifetime lifetime, OffloadRequest offload) {
    public SecurityAssociation {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(replay, "replay");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(lifetime, "lifetime");
        if (IpPrefix.familyOf(source) != IpPrefix.familyOf(destination)) {
            throw new IllegalArgumentException("SA mixes address families: " + source.getHostAddress() + " -> " + destination.getHostAddress());
        }
    }

    public static Builder esp(InetAddress source, InetAddress destination, int spi, EspAlgorithm algorithm) {
        return new Builder(source, destination, spi, algorithm);
    }

    public int family() {
        return IpPrefix.familyOf(destination);
    }

    public SaId id() {
        return new SaId(destination, spi, mark);
    }

    /** How errors and logs name this SA, e.g. {@code SA spi 0x00001000 10.0.0.1->10.0.0.2}. */
    public String describe() {
        return id().describe(source);
    }

    public Builder toBuilder() {
        return new Builder(source, destination, spi, algorithm).mode(mode).reqid(reqid).replay(replay)
                .selector(selector).mark(mark).outputMark(outputMark).ifId(ifId).lifetime(lifetime).offload(offload);
    }

    /** Fills the usual defaults: tunnel mode, no replay window, selector matching everything, no lifetime. */
    public static final class Builder {
        private final InetAddress source;
        private final InetAddress destination;
        private final int spi;
        private final EspAlgorithm algorithm;
        private XfrmMode mode = XfrmMode.TUNNEL;
        private int reqid;
        private ReplayProtection replay = ReplayProtection.NONE;
        private Selector selector;
        private Mark mark;
        private Mark outputMark;
        private int ifId;
        private Lifetime lifetime = Lifetime.UNLIMITED;
        private OffloadRequest offload;

        private Builder(InetAddress source, InetAddress destination, int spi, EspAlgorithm algorithm) {
            this.source = source;
            this.destination = destination;
            this.spi = spi;
            this.algorithm = algorithm;
        }

        public Builder mode(XfrmMode v) { mode = v; return this; }
        public Builder reqid(int v) { reqid = v; return this; }
        public Builder replay(ReplayProtection v) { replay = v; return this; }
        public Builder selector(Selector v) { selector = v; return this; }
        public Builder mark(Mark v) { mark = v; return this; }
        public Builder outputMark(Mark v) { outputMark = v; return this; }
        public Builder ifId(int v) { ifId = v; return this; }
        public Builder lifetime(Lifetime v) { lifetime = v; return this; }
        public Builder offload(OffloadRequest v) { offload = v; return this; }

        public SecurityAssociation build() {
            Selector sel = selector != null ? selector : Selector.any(IpPrefix.familyOf(destination));
            return new SecurityAssociation(source, destination, spi, mode, reqid, algorithm, replay, sel, mark,
                    outputMark, ifId, lifetime, offload);
        }
    }
}

package dev.ward.agent.encryption.kernel;

import dev.ward.agent.encryption.Cidr;
import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.EspCipher;
import dev.ward.agent.encryption.EspKey;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.TrafficDirection;
import dev.ward.agent.encryption.Spi;
import dev.ward.agent.encryption.TunnelEndpoints;
import dev.ward.netlink.IpPrefix;
import dev.ward.xfrm.EspAlgorithm;
import dev.ward.xfrm.OffloadRequest;
import dev.ward.xfrm.PolicyAction;
import dev.ward.xfrm.PolicyTemplate;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.Selector;
import dev.ward.xfrm.TemplateLevel;
import dev.ward.xfrm.XfrmMode;
import dev.ward.xfrm.XfrmPolicy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Translates between the encryption core's SAs and policies and xfrm's, both ways, and decides which kernel
 * entries are Ward's.
 *
 * <p>Ward's marker. The kernel shares its SAD and SPD with anything else on the node (an IKE daemon, an
 * operator's {@code ip xfrm}), and reconciliation deletes every entry of Ward's it does not want, so Ward must
 * recognise its own without touching anyone else's. It cannot use an xfrm mark or interface id: those change
 * which packets an entry applies to (only packets carrying the mark). Instead:
 * <ul>
 *   <li>every SA and every policy template carries {@link #REQID}, which only ties policies to SAs and
 *       is otherwise free to choose (IKE daemons count theirs up from 1);</li>
 *   <li>every policy sits in a priority band of Ward's own, {@link #PRIORITY_BAND} plus the core's priority:
 *       block and bypass policies have no template, and the priority is the one field they have that is
 *       Ward's to choose without changing what they match. The band keeps the core's order among Ward's
 *       policies; a foreign policy with a lower number still wins, as it would anyway.</li>
 * </ul>
 * An entry is Ward's only if it also has the exact shape Ward installs (tunnel-mode AEAD SA; policy action,
 * templates and direction as one of the four kinds), so a foreign entry that happened to share a number is
 * still left alone.
 */
public final class XfrmMapping {
    /** "WARD" in ASCII. */
    public static final int REQID = 0x5741_5244;
    /** Kernel priority = band + {@link DataplanePolicy#priority()}. Lower values win in the kernel. */
    public static final int PRIORITY_BAND = 0x5741_0000;

    private XfrmMapping() {
    }

    /** The xfrm SA for one of the core's SAs: ESP tunnel between underlay addresses, ESN, Ward's lifetimes. */
    public static SecurityAssociation toKernel(KernelSa sa, SaParameters parameters, OffloadRequest offloadOrNull) {
        EspKey key = sa.key();
        return SecurityAssociation.esp(sa.source(), sa.destination(), (int) sa.spi().value(),
                        new EspAlgorithm.Aead(EspCipher.KERNEL_ALGORITHM, key.material(), key.cipher().icvBits()))
                .mode(XfrmMode.TUNNEL).reqid(REQID).replay(parameters.replay()).lifetime(parameters.lifetime())
                .offload(offloadOrNull).build();
    }

    /** True if the kernel SA carries Ward's marker (whether or not it has Ward's shape). */
    public static boolean isWards(SecurityAssociation sa) {
        return sa.reqid() == REQID;
    }

    /** The core's view of a kernel SA, or empty if it is not Ward's. */
    public static Optional<KernelSa> fromKernel(SecurityAssociation sa) {
        if (!isWards(sa) || sa.mode() != XfrmMode.TUNNEL || sa.mark() != null || sa.ifId() != 0
                || !(sa.algorithm() instanceof EspAlgorithm.Aead aead) || !aead.name().equals(EspCipher.KERNEL_ALGORITHM)
                || aead.icvBits() != EspCipher.ICV_BYTES * 8 || Integer.toUnsignedLong(sa.spi()) < Spi.MIN) {
            return Optional.empty();
        }
        byte[] material = aead.key();
        try {
            Optional<EspCipher> cipher = Arrays.stream(EspCipher.values())
                    .filter(c -> c.keyMaterialBytes() == material.length).findFirst();
            return cipher.map(c -> new KernelSa(new Spi(Integer.toUnsignedLong(sa.spi())), sa.source(), sa.destination(),
                    new EspKey(c, material)));
        } finally {
            Arrays.fill(material, (byte) 0);
        }
    }

    /** The xfrm policy for one of the core's policies. */
    public static XfrmPolicy toKernel(DataplanePolicy policy) {
        Selector selector = Selector.between(prefix(policy.selector().source()), prefix(policy.selector().destination()));
        dev.ward.xfrm.PolicyDirection direction = direction(policy.selector().direction());
        int priority = PRIORITY_BAND + policy.priority();
        return switch (policy) {
            case DataplanePolicy.Encrypt e -> XfrmPolicy.allow(selector, direction, priority, new PolicyTemplate(
                    e.tunnel().local(), e.tunnel().remote(), (int) e.spi().value(), XfrmMode.TUNNEL, REQID, TemplateLevel.REQUIRED));
            case DataplanePolicy.RequireEsp r -> XfrmPolicy.allow(selector, direction, priority,
                    PolicyTemplate.tunnel(r.tunnelSource(), r.tunnelDestination(), REQID, TemplateLevel.REQUIRED));
            case DataplanePolicy.Bypass ignored -> XfrmPolicy.allow(selector, direction, priority);
            case DataplanePolicy.Block ignored -> XfrmPolicy.block(selector, direction, priority);
        };
    }

    /** The core's view of a kernel policy, or empty if it is not Ward's. */
    public static Optional<DataplanePolicy> fromKernel(XfrmPolicy policy) {
        Selector s = policy.selector();
        if (policy.mark() != null || policy.ifId() != 0 || s.protocol() != Selector.ANY || s.sourcePort() != 0
                || s.destinationPort() != 0) {
            return Optional.empty();
        }
        Optional<Cidr> source = cidr(s.source());
        Optional<Cidr> destination = cidr(s.destination());
        if (source.isEmpty() || destination.isEmpty()) {
            return Optional.empty();
        }
        TrafficDirection direction = direction(policy.direction());
        int corePriority = policy.priority() - PRIORITY_BAND;
        List<PolicyTemplate> templates = policy.templates();
        Optional<DataplanePolicy> mapped;
        if (policy.action() == PolicyAction.BLOCK) {
            mapped = templates.isEmpty() ? Optional.of(new DataplanePolicy.Block(direction, source.get(), destination.get())) : Optional.empty();
        } else if (templates.isEmpty()) {
            mapped = Optional.of(new DataplanePolicy.Bypass(direction, source.get(), destination.get()));
        } else if (templates.size() == 1 && isWardsTunnel(templates.getFirst())) {
            PolicyTemplate t = templates.getFirst();
            if (direction == TrafficDirection.OUT) {
                mapped = Integer.toUnsignedLong(t.spi()) < Spi.MIN ? Optional.empty()
                        : Optional.of(new DataplanePolicy.Encrypt(source.get(), destination.get(),
                        new TunnelEndpoints(t.source(), t.destination()), new Spi(Integer.toUnsignedLong(t.spi()))));
            } else {
                mapped = t.spi() != 0 ? Optional.empty() : Optional.of(new DataplanePolicy.RequireEsp(direction,
                        source.get(), destination.get(), t.source(), t.destination()));
            }
        } else {
            mapped = Optional.empty();
        }
        return mapped.filter(p -> p.priority() == corePriority);
    }

    private static boolean isWardsTunnel(PolicyTemplate t) {
        return t.reqid() == REQID && t.mode() == XfrmMode.TUNNEL && t.level() == TemplateLevel.REQUIRED
                && t.source() != null && t.destination() != null;
    }

    static IpPrefix prefix(Cidr cidr) {
        return new IpPrefix(cidr.network(), cidr.prefixLength());
    }

    private static Optional<Cidr> cidr(IpPrefix prefix) {
        try {
            return Optional.of(new Cidr(prefix.address(), prefix.length()));
        } catch (IllegalArgumentException hostBitsSet) {
            return Optional.empty();
        }
    }

    static dev.ward.xfrm.PolicyDirection direction(TrafficDirection direction) {
        return switch (direction) {
            case OUT -> dev.ward.xfrm.PolicyDirection.OUT;
            case IN -> dev.ward.xfrm.PolicyDirection.IN;
            case FWD -> dev.ward.xfrm.PolicyDirection.FWD;
        };
    }

    private static TrafficDirection direction(dev.ward.xfrm.PolicyDirection direction) {
        return switch (direction) {
            case OUT -> TrafficDirection.OUT;
            case IN -> TrafficDirection.IN;
            case FWD -> TrafficDirection.FWD;
        };
    }
}

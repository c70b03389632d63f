package dev.ward.agent.encryption.kernel;

import dev.ward.agent.encryption.DataplaneDiff;
import dev.ward.agent.encryption.DataplaneKernel;
import dev.ward.agent.encryption.DataplanePolicy;
import dev.ward.agent.encryption.KernelSa;
import dev.ward.agent.encryption.SessionEvent;
import dev.ward.agent.encryption.Spi;
import dev.ward.agent.encryption.kernel.DataplaneRefusedException.Refusal;
import dev.ward.netlink.NetlinkException;
import dev.ward.netlink.route.LinkAddress;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.xfrm.DuplicatePolicyException;
import dev.ward.xfrm.InstalledPolicy;
import dev.ward.xfrm.OffloadRequest;
import dev.ward.xfrm.PolicyKey;
import dev.ward.xfrm.SaId;
import dev.ward.xfrm.SecurityAssociation;
import dev.ward.xfrm.XfrmBatchResult;
import dev.ward.xfrm.XfrmClient;
import dev.ward.xfrm.XfrmErrorCounters;
import dev.ward.xfrm.XfrmEvent;
import dev.ward.xfrm.XfrmEventStream;
import dev.ward.xfrm.XfrmException;
import dev.ward.xfrm.XfrmNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The encryption dataplane in a real kernel: Ward's SAs and policies ({@link XfrmMapping} says how they look
 * in xfrm and how Ward tells them from anyone else's), applied in batches over NETLINK_XFRM, and the kernel's
 * soft-expire notifications for Ward's SAs turned into {@link SessionEvent.SoftExpired}.
 *
 * <p>Applying a diff follows {@link DataplaneDiff}'s order, each step one batch (many messages per system
 * call). A policy whose selector the kernel already holds is replaced with an xfrm update, atomically, so the
 * selector never falls through to the block policy or to plaintext. Removing what is already gone (an SA the
 * kernel hard-expired) counts as done.
 *
 * <p>Offload: with a device, every SA is requested with XFRMA_OFFLOAD_DEV on it. If the kernel refuses the
 * request, or accepts it but keeps the SA in software (a device without an IPsec engine, such as veth), Ward
 * logs one warning naming the device and the reason and installs in software from then on.
 */
public final class XfrmDataplaneKernel implements DataplaneKernel, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XfrmDataplaneKernel.class);
    private static final Duration EVENT_POLL = Duration.ofMillis(500);

    private final String where;
    private final XfrmClient xfrm;
    private final SaParameters parameters;
    private final String netns;
    private final String offloadDevice;
    private final int offloadIndex;
    private volatile boolean offloadActive;
    private volatile String offloadProblem;
    private final XfrmEventStream events;
    private final Thread eventReader;
    private volatile boolean closed;

    private XfrmDataplaneKernel(String netns, XfrmClient xfrm, SaParameters parameters, String offloadDevice,
                                int offloadIndex, XfrmEventStream events, Consumer<SessionEvent> kernelEvents) {
        this.netns = netns;
        this.where = netns == null ? "the agent's network namespace" : "network namespace " + netns;
        this.xfrm = xfrm;
        this.parameters = parameters;
        this.offloadDevice = offloadDevice;
        this.offloadIndex = offloadIndex;
        this.offloadActive = offloadDevice != null;
        this.events = events;
        this.eventReader = Thread.ofPlatform().daemon().name("ward-xfrm-events").unstarted(() -> readEvents(kernelEvents));
    }

    /**
     * Opens the xfrm tables of {@code netnsOrNull} (null: the caller's namespace), with SA offload to the named
     * device if given, and starts passing Ward's soft expires to {@code kernelEvents} (on a thread of its own).
     */
    public static XfrmDataplaneKernel open(String netnsOrNull, String offloadDeviceOrNull, Consumer<SessionEvent> kernelEvents) {
        return open(netnsOrNull, offloadDeviceOrNull, kernelEvents, SaParameters.DEFAULT);
    }

    /** As {@link #open(String, String, Consumer)}, with other SA lifetimes or replay window. */
    public static XfrmDataplaneKernel open(String netnsOrNull, String offloadDeviceOrNull, Consumer<SessionEvent> kernelEvents,
                                          SaParameters parameters) {
        int offloadIndex = offloadDeviceOrNull == null ? 0 : deviceIndex(netnsOrNull, offloadDeviceOrNull);
        XfrmClient xfrm = XfrmClient.open(netnsOrNull);
        XfrmEventStream events;
        try {
            events = xfrm.events();
        } catch (RuntimeException e) {
            xfrm.close();
            throw e;
        }
        XfrmDataplaneKernel kernel = new XfrmDataplaneKernel(netnsOrNull, xfrm, parameters, offloadDeviceOrNull, offloadIndex,
                events, kernelEvents);
        kernel.eventReader.start();
        return kernel;
    }

    private static int deviceIndex(String netns, String device) {
        try (RouteNetlink links = RouteNetlink.open(netns)) {
            return links.indexOf(device);
        } catch (NetlinkException e) {
            throw new IllegalArgumentException("offload device " + device + " is not a network device in "
                    + (netns == null ? "the agent's network namespace" : "network namespace " + netns) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<KernelSa> installedSas() {
        List<KernelSa> out = new ArrayList<>();
        for (dev.ward.xfrm.InstalledSa installed : xfrm.states()) {
            SecurityAssociation sa = installed.association();
            Optional<KernelSa> mine = XfrmMapping.fromKernel(sa);
            if (mine.isPresent()) {
                out.add(mine.get());
            } else if (XfrmMapping.isWards(sa)) {
                LOG.warn("{} carries Ward's reqid but is not an SA Ward installs ({}); leaving it alone", sa.describe(), sa.algorithm());
            }
        }
        return out;
    }

    @Override
    public synchronized List<DataplanePolicy> installedPolicies() {
        List<DataplanePolicy> out = new ArrayList<>();
        for (InstalledPolicy installed : xfrm.policies()) {
            XfrmMapping.fromKernel(installed.policy()).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public synchronized void apply(DataplaneDiff diff) {
        List<Refusal> refusals = new ArrayList<>();
        List<KernelSa> slotConflicts = diff.slotConflicts();
        removeSas(slotConflicts, refusals);
        addSas(diff.addSas(), refusals);
        addPolicies(diff.addPolicies(), refusals);
        removePolicies(diff.removePolicies(), refusals);
        Set<KernelSa> removedFirst = new HashSet<>(slotConflicts);
        removeSas(diff.removeSas().stream().filter(sa -> !removedFirst.contains(sa)).toList(), refusals);
        if (!refusals.isEmpty()) {
            throw new DataplaneRefusedException(refusals);
        }
    }

    /** The namespace's xfrm drop counters (/proc/net/xfrm_stat), for status output. */
    public synchronized XfrmErrorCounters errorCounters() {
        return xfrm.errorCounters();
    }

    /** Why SAs are not offloaded although a device was given; empty while offload works or none was asked for. */
    public Optional<String> offloadProblem() {
        return Optional.ofNullable(offloadProblem);
    }

    private void removeSas(List<KernelSa> sas, List<Refusal> refusals) {
        if (sas.isEmpty()) {
            return;
        }
        List<SaId> ids = sas.stream().map(sa -> new SaId(sa.destination(), (int) sa.spi().value(), null)).toList();
        for (XfrmBatchResult.Failure<SaId> f : xfrm.deleteAll(ids).failures()) {
            if (!(f.error() instanceof XfrmNotFoundException)) {
                refusals.add(new Refusal("remove " + f.item().describe(), f.error().getMessage()));
            }
        }
    }

    private void addSas(List<KernelSa> sas, List<Refusal> refusals) {
        if (sas.isEmpty()) {
            return;
        }
        boolean offloading = offloadActive;
        Set<InetAddress> local = offloading ? localAddresses() : Set.of();
        List<SecurityAssociation> kernel = sas.stream()
                .map(sa -> XfrmMapping.toKernel(sa, parameters,
                        offloading ? new OffloadRequest(offloadIndex, local.contains(sa.destination())) : null))
                .toList();
        List<SecurityAssociation> retryInSoftware = new ArrayList<>();
        List<String> offloadReasons = new ArrayList<>();
        Set<Integer> failed = new HashSet<>();
        for (XfrmBatchResult.Failure<SecurityAssociation> f : xfrm.addAll(kernel).failures()) {
            failed.add(f.index());
            if (f.item().offload() != null) {
                retryInSoftware.add(f.item().toBuilder().offload(null).build());
                offloadReasons.add(f.error().getMessage());
            } else {
                refusals.add(new Refusal("add " + f.item().describe(), f.error().getMessage()));
            }
        }
        if (!retryInSoftware.isEmpty()) {
            List<XfrmBatchResult.Failure<SecurityAssociation>> again = xfrm.addAll(retryInSoftware).failures();
            Set<Integer> stillFailing = new HashSet<>();
            for (XfrmBatchResult.Failure<SecurityAssociation> f : again) {
                stillFailing.add(f.index());
                refusals.add(new Refusal("add " + f.item().describe(), f.error().getMessage()));
            }
            for (int i = 0; i < retryInSoftware.size(); i++) {
                if (!stillFailing.contains(i)) {
                    // The SA goes in without offload: the refusal was the device's.
                    offloadRefused(offloadReasons.get(i));
                    break;
                }
            }
        }
        if (offloading && offloadActive) {
            for (int i = 0; i < kernel.size(); i++) {
                if (!failed.contains(i)) {
                    checkOffloadTaken(kernel.get(i));
                    break;
                }
            }
        }
    }

    /** The kernel accepts an offload request for a device without an IPsec engine and quietly works in software. */
    private void checkOffloadTaken(SecurityAssociation requested) {
        try {
            if (xfrm.get(requested.id()).association().offload() == null) {
                offloadRefused("the kernel installed " + requested.describe() + " in software (the device has no IPsec offload)");
            }
        } catch (XfrmException e) {
            LOG.warn("cannot check whether {} is offloaded: {}", requested.describe(), e.getMessage());
        }
    }

    private void offloadRefused(String reason) {
        if (!offloadActive) {
            return;
        }
        offloadActive = false;
        offloadProblem = "offload to " + offloadDevice + " refused: " + reason;
        LOG.warn("IPsec offload to device {} in {} is not available, installing SAs in software: {}", offloadDevice, where, reason);
    }

    private Set<InetAddress> localAddresses() {
        try (RouteNetlink links = RouteNetlink.open(netns)) {
            Set<InetAddress> out = new HashSet<>();
            for (LinkAddress a : links.addresses()) {
                out.add(a.address().address());
            }
            return out;
        }
    }

    private void addPolicies(List<DataplanePolicy> policies, List<Refusal> refusals) {
        if (policies.isEmpty()) {
            return;
        }
        List<dev.ward.xfrm.XfrmPolicy> kernel = policies.stream().map(XfrmMapping::toKernel).toList();
        for (XfrmBatchResult.Failure<dev.ward.xfrm.XfrmPolicy> f : xfrm.addAllPolicies(kernel).failures()) {
            if (f.error() instanceof DuplicatePolicyException) {
                // The selector holds another policy: replace it in place, no moment without one.
                try {
                    xfrm.update(f.item());
                } catch (XfrmException e) {
                    refusals.add(new Refusal("replace " + f.item().describe(), e.getMessage()));
                }
            } else {
                refusals.add(new Refusal("add " + f.item().describe(), f.error().getMessage()));
            }
        }
    }

    private void removePolicies(List<DataplanePolicy> policies, List<Refusal> refusals) {
        if (policies.isEmpty()) {
            return;
        }
        List<PolicyKey> keys = policies.stream().map(p -> XfrmMapping.toKernel(p).key()).toList();
        for (XfrmBatchResult.Failure<PolicyKey> f : xfrm.deleteAllPolicies(keys).failures()) {
            if (!(f.error() instanceof XfrmNotFoundException)) {
                refusals.add(new Refusal("remove " + f.item().describe(), f.error().getMessage()));
            }
        }
    }

    private void readEvents(Consumer<SessionEvent> kernelEvents) {
        while (!closed) {
            XfrmEvent event;
            try {
                event = events.next(EVENT_POLL);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.warn("reading xfrm expire notifications in {} failed (an expire may be lost): {}", where, e.getMessage());
                sleepQuietly();
                continue;
            }
            if (event instanceof XfrmEvent.SaExpired expired && expired.reqid() == XfrmMapping.REQID) {
                if (expired.hard()) {
                    LOG.warn("the kernel removed {} at its hard lifetime: no rotation replaced it in time", expired.id().describe());
                    continue;
                }
                try {
                    kernelEvents.accept(new SessionEvent.SoftExpired(expired.id().destination(),
                            new Spi(Integer.toUnsignedLong(expired.id().spi()))));
                } catch (RuntimeException e) {
                    LOG.warn("handling the soft expire of {} failed: {}", expired.id().describe(), e.toString());
                }
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(EVENT_POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the event thread and closes the sockets; the kernel keeps every SA and policy. */
    @Override
    public void close() {
        closed = true;
        try {
            eventReader.join(EVENT_POLL.multipliedBy(4));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.close();
        synchronized (this) {
            xfrm.close();
        }
    }
}

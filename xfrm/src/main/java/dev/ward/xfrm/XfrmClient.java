package dev.ward.xfrm;

import dev.ward.netlink.BatchResult;
import dev.ward.netlink.NetlinkChannel;
import dev.ward.netlink.NetlinkException;
import dev.ward.netlink.NetlinkFlags;
import dev.ward.netlink.NetlinkMessage;
import dev.ward.netlink.NetlinkRequest;
import dev.ward.netlink.NetlinkSocket;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.xfrm.XfrmErrors.Operation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The kernel's IPsec tables (SAD and SPD) of one network namespace, programmed over NETLINK_XFRM. Single
 * operations throw a specific {@link XfrmException}; batch operations send many messages per system call and
 * report each refusal without stopping. SAs are validated before they reach the kernel.
 */
public final class XfrmClient implements AutoCloseable {
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);
    private final NetlinkChannel channel;
    private final String netns;

    XfrmClient(NetlinkChannel channel, String netns) {
        this.channel = channel;
        this.netns = netns;
    }

    /** The caller's own network namespace. */
    public static XfrmClient open() {
        return open(null);
    }

    /** The named network namespace ({@code /run/netns/NAME}), or the caller's when null. */
    public static XfrmClient open(String netns) {
        return new XfrmClient(new NetlinkChannel(NetlinkSocket.openIn(netns, NetlinkSocket.NETLINK_XFRM, REPLY_TIMEOUT)), netns);
    }

    // ---- SAs

    public void add(SecurityAssociation sa) {
        one(saRequest(SaMessages.XFRM_MSG_NEWSA, NetlinkFlags.CREATE | NetlinkFlags.EXCL, sa), Operation.ADD_SA);
    }

    /** Replaces the SA with the same id (keys, lifetimes...); fails if there is none. */
    public void update(SecurityAssociation sa) {
        one(saRequest(SaMessages.XFRM_MSG_UPDSA, 0, sa), Operation.CHANGE_SA);
    }

    public void delete(SaId id) {
        one(new NetlinkRequest(SaMessages.XFRM_MSG_DELSA, 0, SaMessages.encodeId(id), id.describe()), Operation.CHANGE_SA);
    }

    public InstalledSa get(SaId id) {
        try {
            return SaMessages.decode(channel.query(new NetlinkRequest(SaMessages.XFRM_MSG_GETSA, 0, SaMessages.encodeId(id), id.describe())));
        } catch (NetlinkException e) {
            throw XfrmErrors.translate(e, Operation.READ);
        }
    }

    public List<InstalledSa> states() {
        return dump(SaMessages.XFRM_MSG_GETSA, "xfrm state dump", SaMessages::decode);
    }

    /** Removes every SA in this namespace (never call on a namespace Ward does not own). */
    public void flushStates() {
        one(new NetlinkRequest(SaMessages.XFRM_MSG_FLUSHSA, 0, SaMessages.encodeFlush(), "xfrm state flush"), Operation.CHANGE_SA);
    }

    public XfrmBatchResult<SecurityAssociation> addAll(List<SecurityAssociation> sas) {
        List<NetlinkRequest> reqs = new ArrayList<>(sas.size());
        for (SecurityAssociation sa : sas) reqs.add(saRequest(SaMessages.XFRM_MSG_NEWSA, NetlinkFlags.CREATE | NetlinkFlags.EXCL, sa));
        return batch(sas, reqs, Operation.ADD_SA);
    }

    public XfrmBatchResult<SaId> deleteAll(List<SaId> ids) {
        List<NetlinkRequest> reqs = new ArrayList<>(ids.size());
        for (SaId id : ids) reqs.add(new NetlinkRequest(SaMessages.XFRM_MSG_DELSA, 0, SaMessages.encodeId(id), id::describe));
        return batch(ids, reqs, Operation.CHANGE_SA);
    }

    private static NetlinkRequest saRequest(int type, int flags, SecurityAssociation sa) {
        SaValidator.validate(sa);
        return new NetlinkRequest(type, flags, SaMessages.encode(sa), sa::describe);
    }

    // ---- policies

    public void add(XfrmPolicy p) {
        one(policyRequest(PolicyMessages.XFRM_MSG_NEWPOLICY, NetlinkFlags.CREATE | NetlinkFlags.EXCL, p), Operation.ADD_POLICY);
    }

    /** Adds or replaces the policy with the same key (selector, direction, mark, if_id). */
    public void update(XfrmPolicy p) {
        one(policyRequest(PolicyMessages.XFRM_MSG_UPDPOLICY, 0, p), Operation.CHANGE_POLICY);
    }

    public void delete(PolicyKey k) {
        one(new NetlinkRequest(PolicyMessages.XFRM_MSG_DELPOLICY, 0, PolicyMessages.encodeKey(k), k.describe()), Operation.CHANGE_POLICY);
    }

    public InstalledPolicy get(PolicyKey k) {
        try {
            return PolicyMessages.decode(channel.query(new NetlinkRequest(PolicyMessages.XFRM_MSG_GETPOLICY, 0,
                    PolicyMessages.encodeKey(k), k.describe())));
        } catch (NetlinkException e) {
            throw XfrmErrors.translate(e, Operation.READ);
        }
    }

    /**
     * The namespace's security policy database. The kernel's dump also holds sockets' own policies (IP_XFRM_POLICY,
     * as the L7 proxy's sockets have); they belong to their sockets, not to the database, and are left out.
     */
    public List<InstalledPolicy> policies() {
        return dump(PolicyMessages.XFRM_MSG_GETPOLICY, "xfrm policy dump", m -> !PolicyMessages.isSocketPolicy(m), PolicyMessages::decode);
    }

    /** Removes every policy in this namespace (never call on a namespace Ward does not own). */
    public void flushPolicies() {
        one(new NetlinkRequest(PolicyMessages.XFRM_MSG_FLUSHPOLICY, 0, new byte[0], "xfrm policy flush"), Operation.CHANGE_POLICY);
    }

    public XfrmBatchResult<XfrmPolicy> addAllPolicies(List<XfrmPolicy> policies) {
        List<NetlinkRequest> reqs = new ArrayList<>(policies.size());
        for (XfrmPolicy p : policies) reqs.add(policyRequest(PolicyMessages.XFRM_MSG_NEWPOLICY, NetlinkFlags.CREATE | NetlinkFlags.EXCL, p));
        return batch(policies, reqs, Operation.ADD_POLICY);
    }

    public XfrmBatchResult<PolicyKey> deleteAllPolicies(List<PolicyKey> keys) {
        List<NetlinkRequest> reqs = new ArrayList<>(keys.size());
        for (PolicyKey k : keys) reqs.add(new NetlinkRequest(PolicyMessages.XFRM_MSG_DELPOLICY, 0, PolicyMessages.encodeKey(k), k::describe));
        return batch(keys, reqs, Operation.CHANGE_POLICY);
    }

    private static NetlinkRequest policyRequest(int type, int flags, XfrmPolicy p) {
        return new NetlinkRequest(type, flags, PolicyMessages.encode(p), p::describe);
    }

    // ---- counters and events

    /** The namespace's /proc/net/xfrm_stat. */
    public XfrmErrorCounters errorCounters() {
        Path stat = Path.of("/proc/thread-self/net/xfrm_stat");
        try {
            String text = netns == null ? Files.readString(stat) : NetworkNamespace.call(netns, () -> Files.readString(stat));
            return XfrmErrorCounters.parse(text);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read xfrm error counters (" + stat + "): " + e.getMessage()
                    + "; the kernel needs CONFIG_XFRM_STATISTICS", e);
        }
    }

    /** Subscribes to expire and acquire notifications of this namespace, on a socket of its own. */
    public XfrmEventStream events() {
        return XfrmEventStream.open(netns);
    }

    // ---- plumbing

    private void one(NetlinkRequest r, Operation op) {
        try {
            channel.execute(r);
        } catch (NetlinkException e) {
            throw XfrmErrors.translate(e, op);
        }
    }

    private <T> XfrmBatchResult<T> batch(List<T> items, List<NetlinkRequest> reqs, Operation op) {
        BatchResult r = channel.executeAll(reqs);
        List<XfrmBatchResult.Failure<T>> failures = new ArrayList<>(r.failures().size());
        for (BatchResult.Failure f : r.failures()) {
            failures.add(new XfrmBatchResult.Failure<>(f.index(), items.get(f.index()), XfrmErrors.translate(f.error(), op)));
        }
        return new XfrmBatchResult<>(items.size(), failures);
    }

    private <T> List<T> dump(int type, String subject, Function<NetlinkMessage, T> decoder) {
        return dump(type, subject, m -> true, decoder);
    }

    /** The dump's messages that {@code keep} takes, decoded. */
    private <T> List<T> dump(int type, String subject, java.util.function.Predicate<NetlinkMessage> keep, Function<NetlinkMessage, T> decoder) {
        List<NetlinkMessage> msgs;
        try {
            msgs = channel.dump(new NetlinkRequest(type, 0, new byte[0], subject));
        } catch (NetlinkException e) {
            throw XfrmErrors.translate(e, Operation.READ);
        }
        List<T> out = new ArrayList<>(msgs.size());
        for (NetlinkMessage m : msgs) if (keep.test(m)) out.add(decoder.apply(m));
        return out;
    }

    @Override
    public void close() {
        channel.close();
    }
}

package dev.ward.dnsproxy.policy;

import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.model.Cidr;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Address-to-identity as the datapath's ipcache holds it, kept where the agent's ipcache is not at hand (the
 * standalone proxy): pod addresses from the snapshot, and the engine's node-local identities (policy CIDRs, learned
 * DNS addresses) followed through its deltas. Longest prefix wins, as in the ipcache; no match is world.
 *
 * <p>Updated on the engine's thread, read from any thread.
 */
public final class IpcacheView implements AddressIdentities {
    private record Prefix(Cidr cidr, int identity) {}

    private final Map<InetAddress, Integer> hosts = new ConcurrentHashMap<>();
    private final Map<Cidr, Integer> prefixIdentities = new ConcurrentHashMap<>();
    /** Engine thread only: where each identity sits, so a removal costs no scan. */
    private final Map<Integer, Cidr> placed = new HashMap<>();
    private volatile List<Prefix> prefixes = List.of();
    private volatile Map<InetAddress, Integer> pods = Map.of();

    /** Pod addresses and their cluster identities (the snapshot's ipcache section). */
    public void setPodAddresses(Map<InetAddress, Integer> addresses) {
        pods = Map.copyOf(addresses);
    }

    /** Everything node-local the engine holds now (after building it). */
    public void resetFrom(PolicyEngine engine) {
        hosts.clear();
        prefixIdentities.clear();
        placed.clear();
        for (Identity id : engine.identities()) if (id.prefix() != null) put(id);
        republish();
    }

    public void engineChanged(EngineDelta delta) {
        boolean prefixesChanged = false;
        for (Identity id : delta.identitiesAdded()) {
            if (id.prefix() == null) continue;
            put(id);
            prefixesChanged |= !id.prefix().isHost();
        }
        for (int gone : delta.identitiesRemoved()) {
            Cidr c = placed.remove(gone);
            if (c == null) continue;
            if (c.isHost()) hosts.remove(c.address(), gone);
            else prefixesChanged |= prefixIdentities.remove(c, gone);
        }
        if (prefixesChanged) republish();
    }

    @Override
    public int identityOf(InetAddress address) {
        // A pod keeps its cluster identity even if some name resolves to its address.
        Integer id = pods.get(address);
        if (id != null) return id;
        id = hosts.get(address);
        if (id != null) return id;
        Cidr host = Cidr.host(address);
        for (Prefix p : prefixes) if (p.cidr().contains(host)) return p.identity();
        return ReservedIdentity.WORLD.id();
    }

    private void put(Identity id) {
        placed.put(id.id(), id.prefix());
        if (id.prefix().isHost()) hosts.put(id.prefix().address(), id.id());
        else prefixIdentities.put(id.prefix(), id.id());
    }

    private void republish() {
        List<Prefix> list = new ArrayList<>();
        prefixIdentities.forEach((c, id) -> list.add(new Prefix(c, id)));
        list.sort(Comparator.comparingInt((Prefix p) -> p.cidr().prefixLength()).reversed());
        prefixes = List.copyOf(list);
    }
}

package dev.ward.bpf.datapath;

import dev.ward.bpf.events.FlowEvent;
import dev.ward.bpf.events.FlowEventReader;
import dev.ward.bpf.events.FlowReason;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.lab.PolicyWorld;
import dev.ward.bpf.lab.Traffic;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.route.RouteNetlink;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.ward.bpf.TestPolicies.cnp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way the datapath can fail an endpoint gives an error naming it and leaves it denying traffic in the
 * affected direction, never half-applied: a full policy map, a program the verifier refuses, a veth that is gone.
 */
class FailClosedTest {
    private PodLab lab;

    @AfterEach
    void close() {
        if (lab != null) lab.close();
    }

    private static Policy allowPorts(String name, int first, int count) {
        // Every other port: adjacent ports would merge into one range of few prefixes.
        String ports = IntStream.range(0, count).mapToObj(i -> "{port: '" + (first + 2 * i) + "', protocol: TCP}").collect(Collectors.joining(", "));
        return cnp(name, "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: [{matchLabels: {app: client}}], "
                + "toPorts: [{ports: [" + ports + "]}]}]}");
    }

    private static final Policy WEB = allowPorts("web", 8080, 1);

    @Test
    void aFullPolicyMapLocksOnlyTheDirectionThatOverflowedUntilARepairFits() throws Exception {
        lab = PodLab.create(2, c -> c.withPolicyEntries(8));
        PolicyWorld world = new PolicyWorld(lab);
        Pod client = lab.pod(1);
        Pod server = lab.pod(2);
        world.endpoint(1, 1001, "app=client");
        world.endpoint(2, 1002, "app=server");
        world.upsert(WEB);
        try (AutoCloseable web = Traffic.tcpEchoServer(server, server.ipv4(), 8080);
             AutoCloseable back = Traffic.tcpEchoServer(client, client.ipv4(), 9000);
             FlowEventReader events = lab.datapath().openEventReader()) {
            assertTrue(Traffic.tcpConnects(client, server.ipv4(), 8080));

            Policy big = allowPorts("big", 20000, 12);
            EngineDelta delta = world.engine().upsertPolicy(big);
            ApplyResult r = lab.datapath().apply(delta);
            assertEquals(1, r.failures().size(), r.toString());
            PolicyMapFullException e = assertInstanceOf(PolicyMapFullException.class, r.failures().getFirst());
            assertEquals(server.name(), e.endpoint());
            assertEquals(Set.of(Direction.INGRESS), e.lockedDirections());
            assertEquals(8, e.capacity());
            assertTrue(e.getMessage().startsWith("endpoint pod2: policy map full (No space left on device (ENOSPC)): its table needs 13 entries, "
                    + "the map holds 8"), e.getMessage());
            assertTrue(e.getMessage().endsWith("its ingress traffic is denied until it is repaired"), e.getMessage());

            EndpointRecord rec = lab.datapath().endpoint(server.name());
            assertTrue(rec.locked(Direction.INGRESS));
            assertFalse(rec.locked(Direction.EGRESS));
            assertFalse(Traffic.tcpConnects(client, server.ipv4(), 8080), "what was allowed before is denied: nothing half-applied counts");
            assertTrue(Traffic.tcpConnects(server, client.ipv4(), 9000), "the server's egress is unaffected");
            // The client's SYN to 8080 (the ring also holds what the pods sent before their tables were in, as
            // IPv6 router solicitations: locked too, for want of a table, at random moments of the attach).
            FlowEvent locked = events.poll(Duration.ofSeconds(1)).stream()
                    .filter(x -> x.reason() == FlowReason.ENDPOINT_LOCKED && x.destinationPort() == 8080).findFirst().orElseThrow();
            assertEquals(Direction.INGRESS, locked.direction());

            // The operator removes the big policy: applied, but only a reconcile that fits lifts the lock.
            world.apply(world.engine().deletePolicy(big.key()));
            assertTrue(lab.datapath().endpoint(server.name()).locked(Direction.INGRESS));
            ReconcileReport rep = lab.datapath().reconcile(Map.of(client.name(), world.engine().table(client.name()),
                    server.name(), world.engine().table(server.name())), null);
            assertTrue(rep.result().ok(), rep.result().failures().toString());
            assertFalse(lab.datapath().endpoint(server.name()).locked(Direction.INGRESS));
            assertTrue(Traffic.tcpConnects(client, server.ipv4(), 8080));
        }
    }

    @Test
    void aChangeThatFitsOnlyAfterItsDeletionsIsWrittenUnderTheLock() {
        lab = PodLab.create(2, c -> c.withPolicyEntries(8));
        PolicyWorld world = new PolicyWorld(lab);
        world.endpoint(1, 1001, "app=client");
        world.endpoint(2, 1002, "app=server");
        world.upsert(allowPorts("ports", 20000, 6));
        // Six other ports: eight entries at most before and after, twelve while both are there.
        ApplyResult r = lab.datapath().apply(world.engine().upsertPolicy(allowPorts("ports", 30000, 6)));
        assertTrue(r.ok(), r.failures().toString());
        assertEquals(Set.of("pod2"), r.recoveredUnderLock());
        assertFalse(lab.datapath().endpoint("pod2").locked(Direction.INGRESS));
        assertEquals(new WritePlannerView(lab.datapath()).rows(world.engine().table("pod2")), lab.datapath().policyRows("pod2"));
    }

    @Test
    void aProgramTheVerifierRefusesLeavesThatDirectionDroppingAndTheErrorCarriesTheLog() throws Exception {
        byte[] refused;
        try (InputStream in = getClass().getResourceAsStream("/dev/ward/bpf/refused_to_pod.o")) {
            refused = in.readAllBytes();
        }
        lab = PodLab.create(2, c -> c.withProgram(refused));
        assertEquals(Set.of(Direction.INGRESS), lab.datapath().refusals().keySet());
        assertTrue(lab.datapath().refusals().get(Direction.INGRESS).verifierLog().contains("invalid access to packet"),
                lab.datapath().refusals().get(Direction.INGRESS).verifierLog());
        PolicyWorld world = new PolicyWorld(lab);
        Pod client = lab.pod(1);
        Pod server = lab.pod(2);
        ProgramRefusedException e = assertThrows(ProgramRefusedException.class, () -> world.endpoint(1, 1001, "app=client"));
        assertEquals(client.name(), e.endpoint());
        assertEquals(Set.of(Direction.INGRESS), e.lockedDirections());
        assertTrue(e.getMessage().startsWith("endpoint pod1: BPF program 'to_pod' of ward_datapath was refused by the kernel's verifier"),
                e.getMessage());
        assertTrue(e.getMessage().contains("-- verifier log --") && e.getMessage().contains("R1 offset is outside of the packet"), e.getMessage());
        assertThrows(ProgramRefusedException.class, () -> world.endpoint(2, 1002, "app=server"));
        EndpointRecord rec = lab.datapath().endpoint(client.name());
        assertTrue(rec.locked(Direction.INGRESS));
        assertFalse(rec.locked(Direction.EGRESS));
        try (AutoCloseable s = Traffic.tcpEchoServer(client, client.ipv4(), 9000)) {
            assertFalse(Traffic.tcpConnects(server, client.ipv4(), 9000), "nothing enters a pod whose ingress program was refused");
            assertFalse(Traffic.ping(server, client.ipv4()));
        }
    }

    @Test
    void aVethThatDisappearsFailsItsEndpointClosedWithoutWritingAndAnUnknownVethLeavesNothing() throws Exception {
        lab = PodLab.create(2);
        PolicyWorld world = new PolicyWorld(lab);
        Pod server = lab.pod(2);
        world.endpoint(1, 1001, "app=client");
        world.endpoint(2, 1002, "app=server");
        world.upsert(WEB);
        Map<?, ?> before = lab.datapath().policyEntries(server.name());

        NetworkNamespace.delete(server.netns());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (hasLink(server.veth()) && System.nanoTime() < deadline) Thread.sleep(50);
        assertFalse(hasLink(server.veth()), "the veth went with its namespace");

        ApplyResult r = lab.datapath().apply(world.engine().upsertPolicy(allowPorts("more", 9000, 3)));
        assertEquals(1, r.failures().size());
        VethGoneException e = assertInstanceOf(VethGoneException.class, r.failures().getFirst());
        assertEquals(server.name(), e.endpoint());
        assertEquals("lxc2", e.veth());
        assertTrue(e.getMessage().startsWith("endpoint pod2: veth lxc2 (ifindex "), e.getMessage());
        assertTrue(e.getMessage().contains("not found in network namespace " + lab.node()), e.getMessage());
        assertEquals(before, lab.datapath().policyEntries(server.name()), "nothing was written for it");
        EndpointRecord rec = lab.datapath().endpoint(server.name());
        assertTrue(rec.locked(Direction.INGRESS) && rec.locked(Direction.EGRESS));

        // A restarted agent finds it too.
        Datapath reopened = lab.reopen(c -> c);
        assertEquals(List.of(server.name()), reopened.openProblems().stream().map(EndpointDatapathException::endpoint).toList());

        VethGoneException unknown = assertThrows(VethGoneException.class, () -> reopened.attach("ghost", "lxc99", 1003,
                world.engine().table(server.name())));
        assertEquals("endpoint ghost: veth lxc99 not found in network namespace " + lab.node(), unknown.getMessage());
        assertEquals(List.of("pod1", "pod2"), reopened.endpoints().stream().map(EndpointRecord::name).sorted().toList());
        try (var pins = Files.list(lab.config().pinRoot())) {
            assertEquals(2, pins.filter(p -> p.getFileName().toString().startsWith("ward_pol_")).count(), "no policy map was left for ghost");
        }
    }

    private boolean hasLink(String name) {
        try (RouteNetlink rt = RouteNetlink.open(lab.node())) {
            return rt.links().stream().anyMatch(l -> l.name().equals(name));
        }
    }

    @Test
    void attachingATableThatDoesNotFitFailsClosedInThatDirectionOnly() {
        lab = PodLab.create(2, c -> c.withPolicyEntries(4));
        PolicyWorld world = new PolicyWorld(lab);
        world.identity(1001, "app=client");
        world.engine().upsertPolicy(allowPorts("big", 20000, 6));
        PolicyMapFullException e = assertThrows(PolicyMapFullException.class, () -> world.endpoint(2, 1002, "app=server"));
        assertEquals("pod2", e.endpoint());
        assertEquals(Set.of(Direction.INGRESS), e.lockedDirections());
        EndpointRecord rec = lab.datapath().endpoint("pod2");
        assertNotNull(rec);
        assertTrue(rec.locked(Direction.INGRESS));
        assertFalse(rec.locked(Direction.EGRESS));
    }
}

package dev.ward.bpf.bench;

import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.EndpointRecord;
import dev.ward.bpf.lab.Packets;
import dev.ward.bpf.lab.Pod;
import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.load.ProgramTestRun;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.policy.model.Direction;

import java.util.Locale;

/**
 * The programs' cost per run on each path a packet of an allowed TCP flow takes, timed by the kernel over many
 * runs of one packet (BPF_PROG_TEST_RUN): the flow's first packet at the server (policy lookups, a new entry),
 * its later forward packets at both ends, and the replies at both ends.
 */
public final class ProgramPathCost {
    private ProgramPathCost() {}

    public static void main(String[] args) throws Exception {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 100000;
        try (PodLab lab = DatapathBenchmark.lab(entries)) {
            DatapathBenchmark.World w = DatapathBenchmark.World.of(entries / DatapathBenchmark.PORTS.length, lab.pod(1), lab.pod(2));
            w.attach(lab.datapath());
            print(lab, entries, Integer.getInteger("repeat", 2_000_000), 3);
        }
    }

    /** With the bench's world attached to {@code lab}'s datapath (client pod 1, server pod 2): each path's mean ns per run. */
    static void print(PodLab lab, int entries, int repeat, int rounds) {
        Pod client = lab.pod(1);
        Pod server = lab.pod(2);
        Datapath dp = lab.datapath();
        EndpointRecord c = dp.endpoint("client");
        EndpointRecord s = dp.endpoint("server");
        byte[] forward = Packets.frame(client.ipv4(), server.ipv4(), Packets.TCP, 40000, DatapathBenchmark.RR);
        byte[] reply = Packets.frame(server.ipv4(), client.ipv4(), Packets.TCP, DatapathBenchmark.RR, 40000);
        int egress = dp.programFd(Direction.EGRESS), ingress = dp.programFd(Direction.INGRESS);
        NetworkNamespace.call(lab.node(), () -> {
            // Opens the flow at both ends (the client's egress, the server's ingress).
            ProgramTestRun.run(egress, forward, c.ifindex());
            ProgramTestRun.run(ingress, forward, s.ifindex());
            for (int round = 0; round < rounds; round++) {
                System.out.printf(Locale.ROOT, "  %s entries, one 60-byte packet run %d times (kernel test runs, caches warm): forward at client egress %d ns, "
                                + "at server ingress %d ns; reply at server egress %d ns, at client ingress %d ns%n", DatapathBenchmark.label(entries), repeat,
                        ProgramTestRun.meanRunNanos(egress, forward, c.ifindex(), repeat),
                        ProgramTestRun.meanRunNanos(ingress, forward, s.ifindex(), repeat),
                        ProgramTestRun.meanRunNanos(egress, reply, s.ifindex(), repeat),
                        ProgramTestRun.meanRunNanos(ingress, reply, c.ifindex(), repeat));
            }
            return null;
        });
    }
}

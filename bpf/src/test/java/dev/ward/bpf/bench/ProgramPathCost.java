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
        int repeat = Integer.getInteger("repeat", 2_000_000);
        try (PodLab lab = PodLab.create(2, c -> c.withPolicyEntries(entries + 20000).withIpcacheEntries(entries / DatapathBenchmark.PORTS.length + 20000))) {
            Pod client = lab.pod(1);
            Pod server = lab.pod(2);
            DatapathBenchmark.World w = DatapathBenchmark.World.of(entries / DatapathBenchmark.PORTS.length, client, server);
            w.attach(lab.datapath());
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
                for (int round = 0; round < 3; round++) {
                    System.out.printf(Locale.ROOT, "%d entries: forward at client egress %d ns, at server ingress %d ns; reply at server egress %d ns, "
                                    + "at client ingress %d ns%n", entries,
                            ProgramTestRun.meanRunNanos(egress, forward, c.ifindex(), repeat),
                            ProgramTestRun.meanRunNanos(ingress, forward, s.ifindex(), repeat),
                            ProgramTestRun.meanRunNanos(egress, reply, s.ifindex(), repeat),
                            ProgramTestRun.meanRunNanos(ingress, reply, c.ifindex(), repeat));
                }
                return null;
            });
        }
    }
}

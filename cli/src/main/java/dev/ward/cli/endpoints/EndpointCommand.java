package dev.ward.cli.endpoints;

import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.DatapathInfo;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.agentapi.EndpointState;
import dev.ward.cli.OutputOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code wardctl endpoint list}: a node's endpoints as its agent's registry holds them, each beside what the
 * datapath's maps hold for it (read back from the kernel), asked over the agent's socket (run it on the node, or in
 * the agent's pod).
 */
@Command(name = "endpoint", description = "Inspect the endpoints (pods) of a node.", subcommands = {EndpointCommand.ListEndpoints.class, CommandLine.HelpCommand.class})
public final class EndpointCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (list)");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {
            "List this node's endpoints: name, pod, addresses, identity, labels, veth, state (from the agent's registry),",
            "and DATAPATH, read back from the kernel's maps: whether each direction is enforced or failed closed (LOCKED),",
            "and how full its policy map is. Endpoints only the maps hold are listed as unmanaged."})
    public static final class ListEndpoints implements Runnable {
        @Mixin AgentSocketOptions agent;

        @Mixin OutputOption output;

        @Override
        public void run() {
            List<EndpointInfo> endpoints = ((ApiResponse.Ok) agent.ask(new ApiRequest.ListEndpoints())).endpoints();
            output.print(System.out, endpoints, list -> {
                OutputOption.Table t = new OutputOption.Table("ENDPOINT", "CONTAINER", "IPS", "IDENTITY", "LABELS", "VETH", "STATE", "DATAPATH");
                for (EndpointInfo e : list) {
                    String container = e.containerId() == null ? null : e.containerId().length() > 12 ? e.containerId().substring(0, 12) : e.containerId();
                    t.row(e.name(), container, String.join(",", e.ips().stream().map(ip -> ip.replaceAll("/(32|128)$", "")).toList()), e.identity(),
                            String.join(",", e.labels().stream().filter(l -> !l.startsWith("k8s:io.cilium.k8s.namespace.labels.")).toList()),
                            e.veth() + "(" + e.vethIfindex() + ")", e.state().wire() + (e.stateReason() == null ? "" : ": " + e.stateReason()),
                            describe(e));
                }
                return t;
            });
        }

        /** The kernel's view in one cell: what differs from the registry is named. */
        static String describe(EndpointInfo e) {
            DatapathInfo d = e.datapath();
            if (d == null) return "-";
            if (!d.attached()) return "NOT ATTACHED";
            List<String> parts = new ArrayList<>();
            parts.add("ep" + d.endpointId());
            parts.add("ingress:" + (d.lockedDirections().contains("ingress") ? "LOCKED" : d.ingressEnforced() ? "enforced" : "open"));
            parts.add("egress:" + (d.lockedDirections().contains("egress") ? "LOCKED" : d.egressEnforced() ? "enforced" : "open"));
            parts.add(d.policyEntries() + "/" + d.policyCapacity());
            if (e.state() != EndpointState.UNMANAGED) {
                if (d.identity() != e.identity()) parts.add("kernel identity " + d.identity());
                if (!d.veth().equals(e.veth()) || d.ifindex() != e.vethIfindex()) parts.add("kernel veth " + d.veth() + "(" + d.ifindex() + ")");
            }
            return String.join(" ", parts);
        }
    }
}

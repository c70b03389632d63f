package dev.ward.cli.flows;

import dev.ward.agent.flows.FlowFilters;
import dev.ward.agent.flows.FlowJson;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.AgentStream;
import dev.ward.agentapi.AgentUnreachableException;
import dev.ward.agentapi.ApiProtocol;
import dev.ward.agentapi.ApiProtocolException;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.FlowFilter;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.OutputOption;
import dev.ward.cli.dns.ProxyDurations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code wardctl monitor}: follows a node's flow events live over its agent's socket (run it on the node or in the
 * agent's pod). The agent filters; this prints each flow as it comes, as a table line or a JSON object per line.
 * For scripts: {@code --count N} stops after N flows, {@code --timeout} after a while of live flows (failing if
 * --count was not reached), {@code --last N} starts with the N most recent matching flows the agent still holds.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, description = {
        "Follow this node's flow events live: L3/L4 flows of the BPF datapath, DNS queries and answers, L7 requests.",
        "Each shows its verdict, direction, both ends (address, port, endpoint, identity and labels), reason and rule.",
        "Filters of one kind are alternatives (repeat them or separate by commas); different kinds must all match."})
public final class MonitorCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", description = "The agent's API socket (default: ${DEFAULT-VALUE}).")
    Path socket = ApiProtocol.DEFAULT_SOCKET;

    @Option(names = "--type", split = ",", paramLabel = "TYPE", description = "l3l4, dns or l7.")
    List<String> types = new ArrayList<>();

    @Option(names = "--verdict", split = ",", paramLabel = "VERDICT", description = "forwarded, dropped, redirected or error.")
    List<String> verdicts = new ArrayList<>();

    @Option(names = "--direction", split = ",", paramLabel = "DIR", description = "ingress or egress (of the local endpoint).")
    List<String> directions = new ArrayList<>();

    @Option(names = "--identity", split = ",", paramLabel = "ID", description = "A security identity at either end: a number or a reserved name (world, host...).")
    List<String> identities = new ArrayList<>();

    @Option(names = "--labels", paramLabel = "LABELS", description = {
            "Either end has all these labels, e.g. k8s:org=empire,class=deathstar (no source: any; no value: the key alone).",
            "Repeat for alternatives."})
    List<String> labels = new ArrayList<>();

    @Option(names = "--from", split = ",", paramLabel = "IP|CIDR", description = "The source address is this one or in this CIDR.")
    List<String> from = new ArrayList<>();

    @Option(names = "--to", split = ",", paramLabel = "IP|CIDR", description = "The destination address is this one or in this CIDR.")
    List<String> to = new ArrayList<>();

    @Option(names = "--port", split = ",", paramLabel = "PORT", description = "Either end's port.")
    List<String> ports = new ArrayList<>();

    @Option(names = "--protocol", split = ",", paramLabel = "PROTO", description = "TCP, UDP, ICMP, ICMPv6, SCTP or a number.")
    List<String> protocols = new ArrayList<>();

    @Option(names = "--reason", split = ",", paramLabel = "REASON",
            description = "Why a flow was dropped or failed: policy_deny, policy_default_deny, endpoint_locked, dns_refused, policy_denied, ...")
    List<String> reasons = new ArrayList<>();

    @Option(names = "--endpoint", split = ",", paramLabel = "NAMESPACE/POD", description = "A local endpoint at either end.")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--last", defaultValue = "0", paramLabel = "N",
            description = "Start with the N most recent matching flows the agent holds (it holds a few thousand; default: ${DEFAULT-VALUE}).")
    int last;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N flows (exit 0).")
    Integer count;

    @Option(names = "--timeout", converter = ProxyDurations.class, paramLabel = "DURATION",
            description = {"Stop after DURATION (e.g. 10s) of live flows (with --last: once the recent ones are printed);",
                    "with --count, fail (exit 1) if fewer than N flows came by then."})
    Duration timeout;

    @Mixin OutputOption output;

    @Override
    public void run() {
        if (count != null && count < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--count must be at least 1, not " + count);
        if (last < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--last must not be negative, not " + last);
        FlowFilter filter = new FlowFilter(types, verdicts, directions, identities, labels, from, to, ports, protocols, reasons, endpoints);
        try {
            FlowFilters.compile(filter);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        AgentStream stream;
        try {
            stream = new AgentClient(socket, Duration.ofSeconds(10)).stream(new ApiRequest.FollowFlows(filter, last));
        } catch (AgentUnreachableException e) {
            throw new CommandFailure(e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure("asking the agent at " + socket + " failed: " + e.getMessage());
        }
        follow(stream);
    }

    private void follow(AgentStream stream) {
        PrintStream out = System.out;
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledExecutorService deadline = null;
        if (timeout != null) {
            deadline = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("wardctl-monitor-timeout").unstarted(r));
            // With --last the clock starts once the agent's history is read: a replay of thousands of flows on a busy
            // node must not use up the time meant for live ones.
            if (last == 0) startClock(deadline, stream, expired);
        }
        int seen = 0;
        if (!output.json()) out.println(FlowLine.HEADER);
        try (stream) {
            while (count == null || seen < count) {
                ApiResponse r = stream.next();
                if (r == null) break;
                switch (r) {
                    case ApiResponse.Flow f -> {
                        out.println(output.json() ? f.flow().toString() : FlowLine.of(FlowJson.fromJson(f.flow())));
                        out.flush();
                        seen++;
                    }
                    case ApiResponse.FlowsLost l -> System.err.println("wardctl monitor: the agent dropped " + l.count()
                            + " flows for this monitor (it read them too slowly)");
                    case ApiResponse.HistoryEnd h -> {
                        if (deadline != null) startClock(deadline, stream, expired);
                    }
                    case ApiResponse.StreamEnd end -> throw new CommandFailure("the agent ended the stream after " + seen + " flows: " + end.reason());
                    case ApiResponse.Failure fail -> throw new CommandFailure(refusal(fail));
                    default -> throw new CommandFailure("the agent answered " + r.status() + " to flow-follow");
                }
            }
        } catch (ApiProtocolException | IOException e) {
            throw new CommandFailure("following the agent at " + socket + " failed: " + e.getMessage());
        } finally {
            if (deadline != null) deadline.shutdownNow();
        }
        if (expired.get() && count != null && seen < count) {
            throw new CommandFailure("timed out after " + timeout.toMillis() + " ms with " + seen + " of " + count + " flows");
        }
    }

    private void startClock(ScheduledExecutorService deadline, AgentStream stream, AtomicBoolean expired) {
        deadline.schedule(() -> {
            expired.set(true);
            stream.close();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String refusal(ApiResponse.Failure f) {
        if (f.message() != null && f.message().contains("unknown operation")) {
            return "the agent does not follow flows (an older agent?): " + f.message();
        }
        return "the agent refused: " + f.message();
    }
}

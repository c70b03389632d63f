package dev.ward.agent.endpoints;

import dev.ward.agent.NodeAgent;
import dev.ward.agent.NodeAgentConfig;
import dev.ward.agent.datapath.DatapathKind;
import dev.ward.agent.datapath.DatapathSubsystem;
import dev.ward.agent.datapath.RecordingDatapath;
import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.agent.policy.PolicyConfig;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agent.policy.PolicySubsystem;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One node's agent with its datapath, policy and endpoints subsystems (no node identity: nothing here needs keyd). */
final class LocalAgent implements AutoCloseable {
    final String node;
    final RecordingDatapath datapath;
    final NodeAgent agent;
    final Path socket;

    private LocalAgent(String node, RecordingDatapath datapath, NodeAgent agent, Path socket) {
        this.node = node;
        this.datapath = datapath;
        this.agent = agent;
        this.socket = socket;
    }

    static LocalAgent start(String node, ClusterStore store, Path stateDir, String netns, RecordingDatapath datapath) {
        Path socket = stateDir.resolve("agent.sock");
        EndpointsConfig endpoints = new EndpointsConfig(new PolicyConfig("default", 0), socket, netns, DatapathKind.NONE,
                new EndpointManager.Settings(Duration.ofSeconds(2), Duration.ofSeconds(10)));
        NodeAgentConfig config = new NodeAgentConfig(new StoreLocation.Directory(stateDir), stateDir,
                new IdentityConfig(AgentSettings.defaults(node, stateDir), null), Optional.empty(), Optional.of(endpoints), Clock.systemUTC());
        NodeAgent agent = NodeAgent.start(config, store, List.of(new DatapathSubsystem(c -> datapath),
                new PolicySubsystem(endpoints.policy()), new EndpointsSubsystem(endpoints)));
        return new LocalAgent(node, datapath, agent, socket);
    }

    PolicyEngineLoop loop() {
        return agent.service(PolicyEngineLoop.class);
    }

    EndpointManager manager() {
        return agent.service(EndpointManager.class);
    }

    AgentClient client() {
        return new AgentClient(socket, Duration.ofSeconds(20));
    }

    /** A CNI ADD for {@code pod} as the plugin sends it; returns the interim answers and the final one, in order. */
    List<ApiResponse> add(String namespace, String name, PodNetwork.Pod pod, Map<String, String> labels) throws Exception {
        List<ApiResponse> out = new ArrayList<>();
        ApiResponse last = client().call(addRequest(namespace, name, pod, labels), out::add);
        out.add(last);
        return out;
    }

    static ApiRequest.AddEndpoint addRequest(String namespace, String name, PodNetwork.Pod pod, Map<String, String> labels) {
        return new ApiRequest.AddEndpoint("ctr-" + name, "eth0", pod.netnsPath(), namespace, name, labels,
                List.of(new dev.ward.agentapi.IpConfig(pod.address().toString(), null)), pod.veth(), pod.ifindex(), null);
    }

    @Override
    public void close() {
        agent.close();
    }
}

package dev.ward.agent.endpoints;

import dev.ward.agent.datapath.DatapathReadBack;
import dev.ward.agent.policy.PolicyEngineLoop;
import dev.ward.agentapi.AgentApiServer;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.DatapathInfo;
import dev.ward.agentapi.EndpointInfo;
import dev.ward.agentapi.EndpointPolicy;
import dev.ward.agentapi.EndpointState;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * The agent's answers on its socket: each request of the API carried out by the {@link EndpointManager}, and the
 * read-back requests answered from the datapath's maps ({@link DatapathReadBack}; absent with {@code --datapath none}).
 */
final class EndpointApi implements AgentApiServer.Handler {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointApi.class);

    private final String node;
    private final EndpointManager manager;
    private final PolicyEngineLoop loop;
    private final DatapathReadBack kernel;
    private final EndpointMetrics metrics;

    EndpointApi(String node, EndpointManager manager, PolicyEngineLoop loop, DatapathReadBack kernel, EndpointMetrics metrics) {
        this.node = node;
        this.manager = manager;
        this.loop = loop;
        this.kernel = kernel;
        this.metrics = metrics;
    }

    @Override
    public void handle(ApiRequest request, AgentApiServer.Responder out) throws Exception {
        try {
            switch (request) {
                case ApiRequest.AddEndpoint add -> add(add, out);
                case ApiRequest.DeleteEndpoint del ->
                        out.send(new ApiResponse.Ok(manager.delete(del.containerId(), del.ifname()).map(e -> List.of(e.info(node))).orElse(List.of())));
                case ApiRequest.CheckEndpoint check -> out.send(new ApiResponse.Ok(List.of(manager.check(check).info(node))));
                case ApiRequest.ReportAddFailure f -> {
                    metrics.addFailed(f.reason());
                    LOG.warn("CNI ADD refused by the plugin ({}): {}", f.reason(), f.message());
                    out.send(new ApiResponse.Ok(List.of()));
                }
                case ApiRequest.ListEndpoints list -> out.send(new ApiResponse.Ok(list()));
                case ApiRequest.GetPolicy get -> out.send(policy(get.endpoint()));
                case ApiRequest.GetDatapathStatus status -> out.send(kernel == null ? noDatapath() : new ApiResponse.Datapath(kernel.status().join()));
                default -> out.send(new ApiResponse.Failure(ApiError.INVALID_REQUEST, request.op() + " is not an endpoint operation"));
            }
        } catch (EndpointException e) {
            out.send(new ApiResponse.Failure(e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            out.send(new ApiResponse.Failure(ApiError.INTERNAL, request.op() + " failed in the agent: " + cause));
        }
    }

    private void add(ApiRequest.AddEndpoint add, AgentApiServer.Responder out) throws Exception {
        try {
            Endpoint registered = manager.register(add);
            out.send(new ApiResponse.Accepted(registered.info(node)));
            try {
                out.send(new ApiResponse.Ready(manager.program(registered.attachment()).join().info(node)));
            } catch (CompletionException e) {
                if (e.getCause() instanceof EndpointException ee) throw ee;
                throw e;
            }
        } catch (EndpointException e) {
            metrics.addFailed(e.code());
            throw e;
        }
    }

    /** The registry's endpoints with what the maps hold for each, then those only the maps hold. */
    private List<EndpointInfo> list() {
        List<EndpointInfo> out = new ArrayList<>();
        Map<String, DatapathInfo> held = new LinkedHashMap<>(kernel == null ? Map.of() : kernel.endpoints().join());
        for (Endpoint e : manager.list()) {
            DatapathInfo d = held.remove(e.name());
            out.add(e.info(node).withDatapath(d == null && kernel != null ? DatapathInfo.NOT_ATTACHED : d));
        }
        held.forEach((name, d) -> out.add(new EndpointInfo(name, null, null, null, null, null, List.of(), d.veth(), d.ifindex(),
                d.identity(), List.of(), EndpointState.UNMANAGED, "in the datapath's endpoints map, not in the agent's registry", node, d)));
        return out;
    }

    private ApiResponse policy(String endpoint) {
        if (kernel == null) return noDatapath();
        record Computed(VerdictTable table, Map<Integer, String> labels) {}
        Computed c = loop.call(() -> {
            PolicyEngine engine = loop.engine();
            Map<Integer, String> labels = new HashMap<>();
            for (Identity i : engine.identities()) labels.put(i.id(), i.labels().toString());
            return new Computed(engine.endpointNames().contains(endpoint) ? engine.table(endpoint) : null, labels);
        }).join();
        EndpointPolicy p = kernel.policy(endpoint, c.table(), c.labels()).join();
        if (p == null) {
            return new ApiResponse.Failure(ApiError.NOT_FOUND, "endpoint " + endpoint + " is not in node " + node + "'s datapath (its endpoints"
                    + " map holds " + String.join(", ", kernel.endpoints().join().keySet()) + ")");
        }
        return new ApiResponse.Policy(p);
    }

    private ApiResponse noDatapath() {
        return new ApiResponse.Failure(ApiError.NO_DATAPATH, "node " + node + "'s agent runs --datapath none: no maps to read back");
    }
}

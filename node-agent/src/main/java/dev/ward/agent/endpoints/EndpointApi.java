package dev.ward.agent.endpoints;

import dev.ward.agentapi.AgentApiServer;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;

import java.util.List;
import java.util.concurrent.CompletionException;

/** The agent's answers on its socket: each request of the API carried out by the {@link EndpointManager}. */
final class EndpointApi implements AgentApiServer.Handler {
    private final String node;
    private final EndpointManager manager;

    EndpointApi(String node, EndpointManager manager) {
        this.node = node;
        this.manager = manager;
    }

    @Override
    public void handle(ApiRequest request, AgentApiServer.Responder out) throws Exception {
        try {
            switch (request) {
                case ApiRequest.AddEndpoint add -> {
                    Endpoint registered = manager.register(add);
                    out.send(new ApiResponse.Accepted(registered.info(node)));
                    try {
                        out.send(new ApiResponse.Ready(manager.program(registered.attachment()).join().info(node)));
                    } catch (CompletionException e) {
                        if (e.getCause() instanceof EndpointException ee) throw ee;
                        throw e;
                    }
                }
                case ApiRequest.DeleteEndpoint del ->
                        out.send(new ApiResponse.Ok(manager.delete(del.containerId(), del.ifname()).map(e -> List.of(e.info(node))).orElse(List.of())));
                case ApiRequest.CheckEndpoint check -> out.send(new ApiResponse.Ok(List.of(manager.check(check).info(node))));
                case ApiRequest.ListEndpoints list -> out.send(new ApiResponse.Ok(manager.list().stream().map(e -> e.info(node)).toList()));
                default -> out.send(new ApiResponse.Failure(ApiError.INVALID_REQUEST, request.op() + " is not an endpoint operation"));
            }
        } catch (EndpointException e) {
            out.send(new ApiResponse.Failure(e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            out.send(new ApiResponse.Failure(ApiError.INTERNAL, request.op() + " failed in the agent: " + e));
        }
    }
}

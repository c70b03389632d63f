package dev.ward.agent.endpoints;

import dev.ward.agentapi.AgentApiServer;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which part of the agent answers each operation of its local API: the endpoint operations are the endpoints
 * subsystem's; other subsystems add theirs ({@code flow-follow}) when they start. An operation whose subsystem is not
 * running is answered {@link ApiError#UNAVAILABLE}, naming it.
 */
public final class ApiRoutes implements AgentApiServer.Handler {
    private final AgentApiServer.Handler endpoints;
    private final Map<Class<? extends ApiRequest>, AgentApiServer.Handler> routes = new ConcurrentHashMap<>();

    ApiRoutes(AgentApiServer.Handler endpoints) {
        this.endpoints = endpoints;
    }

    /** Has {@code handler} answer the requests of type {@code type}. */
    public void route(Class<? extends ApiRequest> type, AgentApiServer.Handler handler) {
        if (routes.putIfAbsent(type, handler) != null) throw new IllegalStateException("two handlers for " + type.getSimpleName());
    }

    @Override
    public void handle(ApiRequest request, AgentApiServer.Responder out) throws Exception {
        AgentApiServer.Handler h = routes.get(request.getClass());
        if (h != null) {
            h.handle(request, out);
            return;
        }
        switch (request) {
            case ApiRequest.AddEndpoint a -> endpoints.handle(request, out);
            case ApiRequest.DeleteEndpoint d -> endpoints.handle(request, out);
            case ApiRequest.CheckEndpoint c -> endpoints.handle(request, out);
            case ApiRequest.ListEndpoints l -> endpoints.handle(request, out);
            case ApiRequest.ReportAddFailure f -> endpoints.handle(request, out);
            case ApiRequest.GetPolicy p -> endpoints.handle(request, out);
            case ApiRequest.GetDatapathStatus s -> endpoints.handle(request, out);
            default -> out.send(new ApiResponse.Failure(ApiError.UNAVAILABLE, "this agent does not serve " + request.op()
                    + " (the part of the agent that does is not running)"));
        }
    }
}

package dev.ward.agentapi;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/** What a client asks the agent on its socket; one request per connection. */
public sealed interface ApiRequest {
    /** The name of the operation on the wire ({@code "op"}). */
    String op();

    /**
     * CNI ADD: register the pod's attachment, then program it. The agent answers {@link ApiResponse.Accepted} once the
     * endpoint is in its registry, and {@link ApiResponse.Ready} once the datapath enforces its full policy table, so
     * the pod is enforced from its first packet; or {@link ApiResponse.Failure}.
     *
     * @param netns        the pod's network namespace as the runtime named it (CNI_NETNS)
     * @param podNamespace the pod's namespace and name (CNI_ARGS K8S_POD_NAMESPACE, K8S_POD_NAME); may be null
     *                     outside Kubernetes
     * @param labels       labels the runtime gave the attachment (network config {@code args.cni.labels}): the
     *                     pod's labels outside Kubernetes; in Kubernetes the agent takes them from the Pod
     * @param veth         the host side of the pod's veth, found in the main plugin's result, and its ifindex as the
     *                     plugin saw it in the node's network namespace
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AddEndpoint(String containerId, String ifname, String netns, String podNamespace, String podName,
                       Map<String, String> labels, List<IpConfig> ips, String veth, int vethIfindex,
                       String containerMac) implements ApiRequest {
        public AddEndpoint {
            require(containerId, "containerId");
            require(ifname, "ifname");
            require(netns, "netns");
            require(veth, "veth");
            if (vethIfindex <= 0) throw new IllegalArgumentException("vethIfindex must be positive, not " + vethIfindex);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
            ips = ips == null ? List.of() : List.copyOf(ips);
            if (ips.isEmpty()) throw new IllegalArgumentException("ips is empty: the pod has no address to enforce policy on");
        }

        @Override
        public String op() {
            return "endpoint-add";
        }
    }

    /** CNI DEL: forget the attachment; answered {@link ApiResponse.Ok} with what was removed (nothing is no error). */
    record DeleteEndpoint(String containerId, String ifname) implements ApiRequest {
        public DeleteEndpoint {
            require(containerId, "containerId");
            require(ifname, "ifname");
        }

        @Override
        public String op() {
            return "endpoint-delete";
        }
    }

    /**
     * CNI CHECK: is the attachment registered and ready, on this veth with these addresses? {@link ApiResponse.Ok}
     * with the endpoint, or {@link ApiResponse.Failure} saying what differs.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CheckEndpoint(String containerId, String ifname, String veth, List<String> ips) implements ApiRequest {
        public CheckEndpoint {
            require(containerId, "containerId");
            require(ifname, "ifname");
            ips = ips == null ? List.of() : List.copyOf(ips);
        }

        @Override
        public String op() {
            return "endpoint-check";
        }
    }

    /**
     * Every endpoint of the node ({@code wardctl endpoint list}): the registry's, each with what the datapath's maps
     * hold for it, and endpoints the maps hold that the registry does not ({@link EndpointState#UNMANAGED});
     * answered {@link ApiResponse.Ok}.
     */
    record ListEndpoints() implements ApiRequest {
        @Override
        public String op() {
            return "endpoint-list";
        }
    }

    /**
     * A CNI ADD the plugin itself refused before it could register the pod (its network namespace is gone, the main
     * plugin made no veth of this node, its result is unusable), reported so the node's log and metrics show every
     * pod whose network could not be set up. Answered {@link ApiResponse.Ok} with no endpoint.
     *
     * @param reason one of {@link ApiError}'s codes ({@link ApiError#NETNS_NOT_FOUND}, {@link ApiError#VETH_NOT_FOUND},
     *               {@link ApiError#INVALID_REQUEST})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ReportAddFailure(String containerId, String ifname, String podNamespace, String podName, String reason, String message)
            implements ApiRequest {
        public ReportAddFailure {
            require(containerId, "containerId");
            require(reason, "reason");
            require(message, "message");
        }

        @Override
        public String op() {
            return "endpoint-add-failed";
        }
    }

    /**
     * The policy map of one endpoint as the kernel holds it ({@code wardctl policy get --endpoint}); answered
     * {@link ApiResponse.Policy}, or {@link ApiResponse.Failure} ({@link ApiError#NOT_FOUND}, {@link ApiError#NO_DATAPATH}).
     */
    record GetPolicy(String endpoint) implements ApiRequest {
        public GetPolicy {
            require(endpoint, "endpoint");
        }

        @Override
        public String op() {
            return "policy-get";
        }
    }

    /** The datapath's counters, map fill levels and refused programs; answered {@link ApiResponse.Datapath}. */
    record GetDatapathStatus() implements ApiRequest {
        @Override
        public String op() {
            return "datapath-status";
        }
    }

    /**
     * Follows the node's flow events as they happen ({@code wardctl monitor}): the agent answers an interim
     * {@link ApiResponse.Flow} for each flow that matches {@code filter}, first the last {@code last} matching flows
     * it still holds, then (when {@code last > 0}) an interim {@link ApiResponse.HistoryEnd}, then live ones, until the
     * client closes the connection; an interim
     * {@link ApiResponse.FlowsLost} when it had to drop flows because this client read too slowly; and a final
     * {@link ApiResponse.StreamEnd} only when it stops. A bad filter is answered {@link ApiResponse.Failure}
     * ({@link ApiError#INVALID_REQUEST}) at once. An agent that predates this operation answers
     * {@link ApiError#INVALID_REQUEST} naming the unknown operation.
     *
     * @param last how many recent flows to replay first (0: only new ones; the agent holds a bounded history)
     */
    record FollowFlows(FlowFilter filter, int last) implements ApiRequest {
        public FollowFlows {
            filter = filter == null ? FlowFilter.ALL : filter;
            if (last < 0) throw new IllegalArgumentException("last must not be negative, not " + last);
        }

        @Override
        public String op() {
            return "flow-follow";
        }
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(field + " is missing");
    }
}

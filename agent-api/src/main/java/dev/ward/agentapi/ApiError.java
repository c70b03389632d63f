package dev.ward.agentapi;

/** The codes of {@link ApiResponse.Failure}: what went wrong, so the client can map it (the CNI plugin to CNI codes). */
public final class ApiError {
    /** The request is not a valid message of the protocol (bad JSON, a missing field, an unknown operation). */
    public static final String INVALID_REQUEST = "invalid-request";
    /** The request's protocol version is not one the agent speaks; the failure lists those it does. */
    public static final String UNSUPPORTED_VERSION = "unsupported-version";
    /** The host-side veth the request names is not in the node's network namespace, or has another ifindex. */
    public static final String VETH_NOT_FOUND = "veth-not-found";
    /** An address of the pod belongs to another endpoint of this node. */
    public static final String ADDRESS_CONFLICT = "address-conflict";
    /** Kubernetes: the agent does not know the Pod (yet); the runtime should try again. */
    public static final String POD_UNKNOWN = "pod-unknown";
    /** The cluster's store could not allocate the endpoint's identity (the store is unreachable, or refused). */
    public static final String IDENTITY_UNAVAILABLE = "identity-unavailable";
    /** The datapath refused to program the endpoint, or did not confirm in time; the endpoint stays default-deny. */
    public static final String DATAPATH_FAILED = "datapath-failed";
    /** CNI_NETNS names no network namespace the agent can see (the pod's sandbox is gone, or the path is wrong). */
    public static final String NETNS_NOT_FOUND = "netns-not-found";
    /** A read-back of the datapath's maps, but the agent runs without one ({@code --datapath none}). */
    public static final String NO_DATAPATH = "no-datapath";
    /** CHECK: no such endpoint, or it differs from what the runtime expects. */
    public static final String NOT_FOUND = "not-found";
    public static final String MISMATCH = "mismatch";
    /** The agent is stopping, or serving too many clients at once; try again. */
    public static final String UNAVAILABLE = "unavailable";
    /** A fault in the agent; the message says what. */
    public static final String INTERNAL = "internal";

    private ApiError() {}
}

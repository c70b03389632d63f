package dev.ward.cni;

/**
 * A CNI error result ({@code {"cniVersion", "code", "msg", "details"}} on stdout, non-zero exit). Codes below 100 are
 * the spec's; Ward's own start at 100.
 */
public final class CniError extends Exception {
    /** Spec: incompatible CNI version. */
    public static final int INCOMPATIBLE_VERSION = 1;
    /** Spec: unsupported field in the network configuration. */
    public static final int UNSUPPORTED_FIELD = 2;
    /** Spec: container unknown or does not exist (the runtime need not clean up). */
    public static final int UNKNOWN_CONTAINER = 3;
    /** Spec: invalid necessary environment variables (CNI_COMMAND, CNI_CONTAINERID, ...). */
    public static final int INVALID_ENVIRONMENT = 4;
    /** Spec: I/O failure. */
    public static final int IO_FAILURE = 5;
    /** Spec: failed to decode content (the network configuration on stdin). */
    public static final int DECODING_FAILURE = 6;
    /** Spec: invalid network configuration. */
    public static final int INVALID_CONFIG = 7;
    /** Spec: try again later (a transient condition: the agent is down or does not know the pod yet). */
    public static final int TRY_AGAIN_LATER = 11;
    /** Ward: the agent refused the request (an address conflict, a fault in the agent). */
    public static final int AGENT_REFUSED = 100;
    /** Ward: the plugin and the agent speak no common protocol version. */
    public static final int PROTOCOL_MISMATCH = 101;
    /** Ward: the datapath did not program the pod (refused, or did not confirm in time); it stays default-deny. */
    public static final int DATAPATH_FAILED = 102;
    /** Ward: the main plugin's result names no host-side veth the node has. */
    public static final int NO_HOST_VETH = 103;
    /** Ward: CHECK found the pod's endpoint missing or different from what the runtime expects. */
    public static final int CHECK_FAILED = 104;

    private final int code;
    private final String details;

    public CniError(int code, String msg, String details) {
        super(msg);
        this.code = code;
        this.details = details;
    }

    public CniError(int code, String msg) {
        this(code, msg, null);
    }

    public int code() {
        return code;
    }

    public String details() {
        return details;
    }
}

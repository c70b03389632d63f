package dev.ward.cni;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CNI_* variables a runtime starts the plugin with. CNI_ARGS is {@code K=V;K=V}; Kubernetes runtimes put the
 * pod's namespace and name there (K8S_POD_NAMESPACE, K8S_POD_NAME).
 */
public record CniEnvironment(String command, String containerId, String netns, String ifname, Map<String, String> args, String path) {
    public static CniEnvironment from(Map<String, String> env) throws CniError {
        String command = env.get("CNI_COMMAND");
        if (command == null || command.isBlank()) throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND is not set");
        Map<String, String> args = new LinkedHashMap<>();
        String raw = env.getOrDefault("CNI_ARGS", "");
        for (String pair : raw.split(";")) {
            if (pair.isBlank()) continue;
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_ARGS has an entry without KEY=VALUE: '" + pair + "'");
            args.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return new CniEnvironment(command, blankToNull(env.get("CNI_CONTAINERID")), blankToNull(env.get("CNI_NETNS")),
                blankToNull(env.get("CNI_IFNAME")), args, blankToNull(env.get("CNI_PATH")));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Throws naming the variable when one an action needs is missing. */
    public void require(boolean netnsToo) throws CniError {
        if (containerId == null) throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_CONTAINERID is not set (" + command + ")");
        if (ifname == null) throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_IFNAME is not set (" + command + " of container " + containerId + ")");
        if (path == null) throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_PATH is not set (" + command + " of container " + containerId + ")");
        if (netnsToo && netns == null) throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_NETNS is not set (" + command + " of container " + containerId + ")");
    }

    public String podNamespace() {
        return args.get("K8S_POD_NAMESPACE");
    }

    public String podName() {
        return args.get("K8S_POD_NAME");
    }

    /** How errors name the pod: {@code pod NS/NAME (container ID)}, or the container alone outside Kubernetes. */
    public String who() {
        String id = containerId == null ? "?" : containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
        if (podName() == null) return "container " + id;
        return "pod " + (podNamespace() == null ? "default" : podNamespace()) + "/" + podName() + " (container " + id + ")";
    }
}

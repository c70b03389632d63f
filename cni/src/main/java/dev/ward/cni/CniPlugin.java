package dev.ward.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.agentapi.AgentClient;
import dev.ward.agentapi.AgentTimeoutException;
import dev.ward.agentapi.AgentUnreachableException;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiProtocolException;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.agentapi.IpConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Ward's chained CNI plugin (CNI spec 1.0: ADD, DEL, CHECK, VERSION), run by a container runtime after the main
 * plugin: CNI_* in the environment, the network configuration with {@code prevResult} on stdin, the result on stdout.
 * ADD registers the pod with the node's agent and returns only when the agent says the datapath enforces the pod's
 * full policy table, so the pod's first packet meets its policy; anything short of that is an error naming the pod,
 * and the runtime does not start the pod. The launcher {@code ward-cni} starts this class.
 */
public final class CniPlugin {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final InputStream in;
    private final PrintStream out;

    CniPlugin(Map<String, String> env, InputStream in, PrintStream out) {
        this.env = env;
        this.in = in;
        this.out = out;
    }

    public static void main(String[] args) {
        PrintStream stdout = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(new CniPlugin(System.getenv(), System.in, stdout).run());
    }

    /** Runs the command; returns the exit status (0, or 1 with an error result on stdout). */
    int run() {
        String version = "1.0.0";
        try {
            CniEnvironment e = CniEnvironment.from(env);
            byte[] stdin = in.readAllBytes();
            if (e.command().equals("VERSION")) {
                print(versions());
                return 0;
            }
            NetworkConfig config = NetworkConfig.parse(stdin);
            version = config.cniVersion();
            switch (e.command()) {
                case "ADD" -> print(add(e, config));
                case "DEL" -> del(e, config);
                case "CHECK" -> check(e, config);
                default -> throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND " + e.command()
                        + " is not one this plugin implements (ADD, DEL, CHECK, VERSION)");
            }
            return 0;
        } catch (CniError err) {
            print(error(version, err));
            return 1;
        } catch (IOException | RuntimeException err) {
            print(error(version, new CniError(CniError.IO_FAILURE, "ward: " + err, null)));
            return 1;
        }
    }

    private ObjectNode add(CniEnvironment e, NetworkConfig config) throws CniError {
        e.require(true);
        String who = e.who();
        if (config.prevResult() == null) {
            throw new CniError(CniError.INVALID_CONFIG, "ward: " + who + ": the network configuration has no prevResult: ward is a chained plugin"
                    + " and must come after a main plugin (ptp, bridge) in a .conflist");
        }
        ApiRequest.AddEndpoint request;
        try {
            request = addRequest(e, config, who);
        } catch (CniError refused) {
            report(config, e, refused);
            throw refused;
        }
        ApiResponse answer = call(config, request, who);
        if (!(answer instanceof ApiResponse.Ready)) throw failure(answer, who, "ADD");
        // A chained plugin passes the previous result on, in the configuration's version.
        ObjectNode output = config.prevResult().deepCopy();
        output.put("cniVersion", config.cniVersion());
        return output;
    }

    /** What the plugin checks itself before registering the pod: its namespace, its addresses, its host-side veth. */
    private static ApiRequest.AddEndpoint addRequest(CniEnvironment e, NetworkConfig config, String who) throws CniError {
        String problem = NetworkNamespacePath.problem(e.netns());
        if (problem != null) throw new CniError(CniError.UNKNOWN_CONTAINER, "ward: " + who + ": " + problem);
        MainPluginResult result = MainPluginResult.parse(config.prevResult());
        MainPluginResult.Interface pod = result.containerInterface(e.ifname(), e.netns());
        List<IpConfig> ips = result.addressesOf(pod).stream().map(ip -> new IpConfig(ip.address(), ip.gateway())).toList();
        if (ips.isEmpty()) throw new CniError(CniError.INVALID_CONFIG, "ward: " + who + ": prevResult gives interface " + e.ifname() + " no address");
        HostVeth.Found veth = HostVeth.find(result, who);
        return new ApiRequest.AddEndpoint(e.containerId(), e.ifname(), e.netns(), e.podNamespace(), e.podName(),
                config.labels(), ips, veth.name(), veth.ifindex(), pod.mac());
    }

    /**
     * Tells the agent of an ADD refused here, so the node's log and metrics count it beside the agent's own refusals;
     * best effort (an agent that cannot be reached cannot count it, and the runtime gets the refusal either way).
     */
    private static void report(NetworkConfig config, CniEnvironment e, CniError refused) {
        String reason = switch (refused.code()) {
            case CniError.UNKNOWN_CONTAINER -> ApiError.NETNS_NOT_FOUND;
            case CniError.NO_HOST_VETH -> ApiError.VETH_NOT_FOUND;
            default -> ApiError.INVALID_REQUEST;
        };
        try {
            new AgentClient(config.agentSocket(), java.time.Duration.ofSeconds(2)).call(new ApiRequest.ReportAddFailure(e.containerId(),
                    e.ifname(), e.podNamespace(), e.podName(), reason, refused.getMessage()), r -> { });
        } catch (IOException | RuntimeException | AgentUnreachableException | AgentTimeoutException | ApiProtocolException unreported) {
            // the refusal itself goes to the runtime below; the agent's count is what is lost
        }
    }

    private void del(CniEnvironment e, NetworkConfig config) throws CniError {
        e.require(false);
        ApiResponse answer = call(config, new ApiRequest.DeleteEndpoint(e.containerId(), e.ifname()), e.who());
        if (!(answer instanceof ApiResponse.Ok)) throw failure(answer, e.who(), "DEL");
    }

    private void check(CniEnvironment e, NetworkConfig config) throws CniError {
        e.require(true);
        String who = e.who();
        if (!config.checkSupported()) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "ward: CHECK needs cniVersion 0.4.0 or later, not " + config.cniVersion());
        }
        if (config.prevResult() == null) throw new CniError(CniError.INVALID_CONFIG, "ward: " + who + ": CHECK without prevResult");
        String problem = NetworkNamespacePath.problem(e.netns());
        if (problem != null) throw new CniError(CniError.UNKNOWN_CONTAINER, "ward: " + who + ": " + problem);
        MainPluginResult result = MainPluginResult.parse(config.prevResult());
        MainPluginResult.Interface pod = result.containerInterface(e.ifname(), e.netns());
        HostVeth.Found veth = HostVeth.find(result, who);
        List<String> ips = result.addressesOf(pod).stream().map(MainPluginResult.Ip::address).toList();
        ApiResponse answer = call(config, new ApiRequest.CheckEndpoint(e.containerId(), e.ifname(), veth.name(), ips), who);
        if (!(answer instanceof ApiResponse.Ok)) throw failure(answer, who, "CHECK");
    }

    private static ApiResponse call(NetworkConfig config, ApiRequest request, String who) throws CniError {
        AgentClient client = new AgentClient(config.agentSocket(), config.readyTimeout());
        try {
            return client.call(request, interim -> { });
        } catch (AgentUnreachableException e) {
            throw new CniError(CniError.TRY_AGAIN_LATER, "ward: " + who + ": " + e.getMessage());
        } catch (AgentTimeoutException e) {
            if (e.lastInterim() instanceof ApiResponse.Accepted) {
                throw new CniError(CniError.DATAPATH_FAILED, "ward: " + who + ": the agent registered the pod but its datapath did not confirm"
                        + " the pod's policy within " + config.readyTimeout().toSeconds() + " s; the pod stays default-deny", e.getMessage());
            }
            throw new CniError(CniError.TRY_AGAIN_LATER, "ward: " + who + ": " + e.getMessage());
        } catch (ApiProtocolException e) {
            throw new CniError(CniError.PROTOCOL_MISMATCH, "ward: " + who + ": the agent's answer is not one this plugin understands: " + e.getMessage());
        } catch (IOException e) {
            throw new CniError(CniError.TRY_AGAIN_LATER, "ward: " + who + ": talking to the agent at " + config.agentSocket() + " failed: " + e.getMessage());
        }
    }

    /** An agent's refusal as a CNI error: transient ones as "try again later", the rest as Ward's own codes. */
    private static CniError failure(ApiResponse answer, String who, String command) {
        if (!(answer instanceof ApiResponse.Failure f)) {
            return new CniError(CniError.PROTOCOL_MISMATCH, "ward: " + who + ": the agent answered " + command + " with " + answer.status());
        }
        int code = switch (f.code()) {
            case ApiError.UNSUPPORTED_VERSION -> CniError.PROTOCOL_MISMATCH;
            case ApiError.POD_UNKNOWN, ApiError.IDENTITY_UNAVAILABLE, ApiError.UNAVAILABLE -> CniError.TRY_AGAIN_LATER;
            case ApiError.DATAPATH_FAILED -> CniError.DATAPATH_FAILED;
            case ApiError.VETH_NOT_FOUND -> CniError.NO_HOST_VETH;
            case ApiError.NOT_FOUND, ApiError.MISMATCH -> CniError.CHECK_FAILED;
            default -> CniError.AGENT_REFUSED;
        };
        // The agent's message names the pod already.
        String msg = f.message().startsWith("pod ") || f.message().startsWith("container ") ? "ward: " + f.message() : "ward: " + who + ": " + f.message();
        return new CniError(code, msg, "agent error " + f.code());
    }

    private static ObjectNode versions() {
        ObjectNode o = JSON.createObjectNode();
        o.put("cniVersion", "1.0.0");
        NetworkConfig.SUPPORTED_VERSIONS.forEach(o.putArray("supportedVersions")::add);
        return o;
    }

    private static ObjectNode error(String version, CniError e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("cniVersion", version);
        o.put("code", e.code());
        o.put("msg", e.getMessage());
        if (e.details() != null) o.put("details", e.details());
        return o;
    }

    private void print(ObjectNode o) {
        out.println(o.toString());
        out.flush();
    }
}

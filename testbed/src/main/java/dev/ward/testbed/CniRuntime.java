package dev.ward.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a .conflist's plugins the way a container runtime (libcni) does: each plugin is found by its type in CNI_PATH
 * and executed with CNI_* in its environment and its configuration on stdin (the list's cniVersion and name, the
 * runtime's {@code args}, and from the second plugin on the previous plugin's result as prevResult); ADD and CHECK run
 * in list order, DEL in reverse with the cached result. The plugins run in the node's network namespace, as the runtime
 * of that node would run them. The CNI plugin's tests and the lab wire pods with it.
 */
public final class CniRuntime {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One plugin execution: its exit status, stdout (the result or error) and stderr. */
    public record Exec(String plugin, int exit, String stdout, String stderr, long millis) {
        public JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new IllegalStateException(plugin + " wrote no JSON on stdout: '" + stdout + "' (stderr: " + stderr + ")");
            }
        }
    }

    private final String nodeNetns;
    private final List<Path> cniPath;
    private final ObjectNode conflist;
    private final Map<String, String> environment = new java.util.LinkedHashMap<>();
    private ObjectNode args;

    public CniRuntime(String nodeNetns, List<Path> cniPath, ObjectNode conflist) {
        this.nodeNetns = nodeNetns;
        this.cniPath = cniPath;
        this.conflist = conflist;
    }

    /** Labels the runtime passes every plugin as {@code args.cni.labels} (the CNI conventions' form). */
    public CniRuntime labels(Map<String, String> labels) {
        ArrayNode l = cniArgs().putArray("labels");
        labels.forEach((k, v) -> l.addObject().put("key", k).put("value", v));
        return this;
    }

    /** Addresses the runtime asks IPAM for, as {@code args.cni.ips} (host-local honours them). */
    public CniRuntime ips(List<String> ips) {
        ArrayNode l = cniArgs().putArray("ips");
        ips.forEach(l::add);
        return this;
    }

    /** A variable beside CNI_* in every plugin's environment (e.g. the JDK a launcher runs on). */
    public CniRuntime environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    private ObjectNode cniArgs() {
        if (args == null) args = JSON.createObjectNode();
        return args.has("cni") ? (ObjectNode) args.get("cni") : args.putObject("cni");
    }

    public static ObjectNode readConflist(Path file) throws IOException {
        return (ObjectNode) JSON.readTree(Files.readString(file));
    }

    /** Result of the whole list (the last plugin's), or the first failing plugin's execution. */
    public record Outcome(List<Exec> execs, JsonNode result) {
        public Exec last() {
            return execs.getLast();
        }

        public boolean ok() {
            return execs.stream().allMatch(e -> e.exit() == 0);
        }
    }

    public Outcome add(String containerId, String netns, String ifname, String cniArgs) throws Exception {
        List<Exec> execs = new ArrayList<>();
        JsonNode prev = null;
        for (JsonNode plugin : plugins()) {
            Exec e = exec(plugin, "ADD", containerId, netns, ifname, cniArgs, prev);
            execs.add(e);
            if (e.exit() != 0) return new Outcome(execs, null);
            prev = e.json();
        }
        return new Outcome(execs, prev);
    }

    public Outcome check(String containerId, String netns, String ifname, String cniArgs, JsonNode cached) throws Exception {
        List<Exec> execs = new ArrayList<>();
        for (JsonNode plugin : plugins()) {
            Exec e = exec(plugin, "CHECK", containerId, netns, ifname, cniArgs, cached);
            execs.add(e);
            if (e.exit() != 0) break;
        }
        return new Outcome(execs, cached);
    }

    public Outcome del(String containerId, String netns, String ifname, String cniArgs, JsonNode cached) throws Exception {
        List<Exec> execs = new ArrayList<>();
        List<JsonNode> reversed = new ArrayList<>(plugins());
        java.util.Collections.reverse(reversed);
        for (JsonNode plugin : reversed) execs.add(exec(plugin, "DEL", containerId, netns, ifname, cniArgs, cached));
        return new Outcome(execs, null);
    }

    /** The list's plugin of {@code type}. */
    public JsonNode plugin(String type) {
        return plugins().stream().filter(p -> p.get("type").asText().equals(type)).findFirst().orElseThrow();
    }

    private List<JsonNode> plugins() {
        List<JsonNode> out = new ArrayList<>();
        ((ArrayNode) conflist.get("plugins")).forEach(out::add);
        return out;
    }

    public Exec exec(JsonNode plugin, String command, String containerId, String netns, String ifname, String cniArgs, JsonNode prev) throws Exception {
        ObjectNode config = plugin.deepCopy();
        config.put("cniVersion", conflist.get("cniVersion").asText());
        config.put("name", conflist.get("name").asText());
        if (prev != null) config.set("prevResult", prev);
        if (args != null) config.set("args", args);
        return run(plugin.get("type").asText(), Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", containerId, "CNI_NETNS", netns,
                "CNI_IFNAME", ifname, "CNI_ARGS", cniArgs), JSON.writeValueAsBytes(config));
    }

    /** Executes plugin {@code type} with exactly {@code env} as its CNI_* variables and {@code stdin}. */
    public Exec run(String type, Map<String, String> env, byte[] stdin) throws Exception {
        Path binary = cniPath.stream().map(d -> d.resolve(type)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException("no plugin " + type + " in CNI_PATH " + cniPath));
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", nodeNetns, binary.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().putAll(environment);
        pb.environment().putAll(env);
        pb.environment().put("CNI_PATH", String.join(":", cniPath.stream().map(Path::toString).toList()));
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(type + " " + env.get("CNI_COMMAND") + " did not finish in 60 s");
        }
        return new Exec(type, p.exitValue(), new String(out, StandardCharsets.UTF_8).strip(), new String(err, StandardCharsets.UTF_8).strip(),
                (System.nanoTime() - start) / 1_000_000);
    }
}

package dev.ward.kind;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.trust.k8s.WardKubernetes;
import dev.ward.store.StoreLocation;
import dev.ward.store.Subscription;
import dev.ward.lab.EncryptedCluster;
import dev.ward.lab.KernelSas;
import dev.ward.lab.LabTraffic;
import dev.ward.lab.PodStream;
import dev.ward.lab.StoreWrite;
import dev.ward.lab.WardJvm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The kind cluster scripts/kind-e2e made, with Ward installed by its chart, as the shared scenarios see it: nodes
 * with their InternalIPs, two workload pods per node (Ward's image running PodTrafficTool's echo service, in the
 * namespace {@value #WORKLOADS}), SAs read with {@code wardctl xfrm states} in each node's agent pod, and
 * {@code wardctl} run from this machine against the cluster (KUBECONFIG) as an operator would.
 */
final class KindCluster implements EncryptedCluster<KindNode, KindPod> {
    static final String WORKLOADS = "ward-e2e";
    /** Set by scripts/kind-e2e (the image it loaded into kind): the suites run only then, against that cluster. */
    static final String RUN_BY_SCRIPT = "ward.kind.image";
    static final String ONLY_ON_KIND = "needs the kind cluster that scripts/kind-e2e creates";
    private static final List<String> WORKLOAD_SETS = List.of("ward-e2e-a", "ward-e2e-b");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KindCluster shared;

    private final KubernetesClient client;
    private final WardJvm wardctl;
    private final List<KindNode> nodes;

    private KindCluster(KubernetesClient client, WardJvm wardctl, List<KindNode> nodes) {
        this.client = client;
        this.wardctl = wardctl;
        this.nodes = nodes;
    }

    /** The cluster, its workload pods started on first use and kept for every suite of the run. */
    static synchronized KindCluster shared() throws IOException {
        if (shared != null) return shared;
        KubernetesClient client = new KubernetesClientBuilder().build();
        String image = System.getProperty(RUN_BY_SCRIPT);
        startWorkloads(client, image);
        Map<String, String> agents = new java.util.HashMap<>();
        for (Pod p : client.pods().inNamespace(WardKubernetes.NAMESPACE).withLabel("app.kubernetes.io/name", "ward-agent").list().getItems()) {
            agents.put(p.getSpec().getNodeName(), p.getMetadata().getName());
        }
        List<KindNode> nodes = new ArrayList<>();
        List<Node> items = new ArrayList<>(client.nodes().list().getItems());
        items.sort(Comparator.comparing(n -> n.getMetadata().getName()));
        for (Node n : items) {
            String name = n.getMetadata().getName();
            List<KindPod> pods = new ArrayList<>();
            for (String set : WORKLOAD_SETS) {
                Pod p = client.pods().inNamespace(WORKLOADS).withLabel("app", set).list().getItems().stream()
                        .filter(x -> name.equals(x.getSpec().getNodeName())).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no " + set + " pod on node " + name));
                pods.add(new KindPod(p.getMetadata().getName(), InetAddress.ofLiteral(p.getStatus().getPodIP()), name));
            }
            String agent = agents.get(name);
            if (agent == null) throw new IllegalStateException("no ward-agent pod on node " + name + " (ward-system/ward-agent DaemonSet)");
            nodes.add(new KindNode(name, internalIp(n), pods, agent));
        }
        Path logs = Path.of(System.getProperty("ward.kind.logs", "target/kind-logs"));
        shared = new KindCluster(client, new WardJvm(logs, Files.createDirectories(logs.resolve("tmp"))), List.copyOf(nodes));
        return shared;
    }

    KubernetesClient client() {
        return client;
    }

    @Override
    public List<KindNode> nodes() {
        return nodes;
    }

    @Override
    public KernelSas sas(KindNode node) {
        // A small heap: this JVM shares the agent container's memory limit with the agent itself.
        String json = PodExec.run(WardKubernetes.NAMESPACE, node.agentPod(),
                        List.of("sh", "-c", "WARD_JAVA_OPTS='-Xmx64m -XX:TieredStopAtLevel=1' exec wardctl xfrm states -o json"))
                .require("wardctl xfrm states on " + node.name());
        try {
            List<KernelSas.Sa> sas = new ArrayList<>();
            for (JsonNode row : JSON.readTree(json)) {
                sas.add(new KernelSas.Sa(InetAddress.ofLiteral(row.get("src").asText()), InetAddress.ofLiteral(row.get("dst").asText()),
                        Integer.parseUnsignedInt(row.get("spi").asText().substring(2), 16), row.get("packets").asLong()));
            }
            return new KernelSas(node.name(), sas);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("wardctl xfrm states -o json on " + node.name() + " printed what is not its SA list: " + json, e);
        }
    }

    @Override
    public int probe(KindPod from, KindPod to, int count, int waitMillis) {
        String out = PodExec.run(WORKLOADS, from.name(), KindStream.tool("probe", to.ip().getHostAddress(), Integer.toString(count),
                Integer.toString(waitMillis))).require("probe from " + from.name());
        return Integer.parseInt(out.strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    @Override
    public LabTraffic.Transfer tcp(KindPod from, KindPod to, int port, long bytes, Duration timeout) {
        CompletableFuture<String> listening = new CompletableFuture<>();
        CompletableFuture<String> received = new CompletableFuture<>();
        Process receiver = PodExec.background(WORKLOADS, to.name(), KindStream.tool("tcp-receive", Integer.toString(port)), line -> {
            if (line.equals("listening")) listening.complete(line);
            else if (line.matches("\\d+:[0-9a-f]{64}")) received.complete(line);
        });
        try {
            listening.get(60, TimeUnit.SECONDS);
            long start = System.nanoTime();
            String sent = PodExec.run(WORKLOADS, from.name(), KindStream.tool("tcp-send", to.ip().getHostAddress(), Integer.toString(port),
                    Long.toString(bytes))).require("tcp-send from " + from.name()).strip();
            String got = received.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return LabTraffic.Transfer.of(sent.lines().reduce((a, b) -> b).orElseThrow(), got, (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            throw new IllegalStateException("TCP " + from.name() + " -> " + to.name() + ": " + e, e);
        } finally {
            receiver.destroy();
        }
    }

    @Override
    public PodStream stream(KindPod from, KindPod to, int port, Duration interval) {
        return new KindStream(WORKLOADS, from, to, port, interval);
    }

    @Override
    public StoreWrite rotateAll() throws Exception {
        AtomicLong requested = new AtomicLong();
        try (EncryptionStore store = EncryptionStores.open(StoreLocation.parse("k8s"), Clock.systemUTC());
             Subscription watch = store.watchRotationRequests(r -> requested.compareAndSet(0, System.nanoTime()))) {
            WardJvm.Outcome o = wardctl.wardctl(Duration.ofSeconds(120), "keys", "rotate", "--all", "--store", "k8s");
            return new StoreWrite(o, requested.get(), System.nanoTime());
        }
    }

    @Override
    public StoreWrite revoke(KindNode node) throws Exception {
        AtomicLong revokedAt = new AtomicLong();
        try (Watch watch = client.configMaps().inNamespace(WardKubernetes.NAMESPACE).withName(WardKubernetes.nodeRecordName(node.name()))
                .watch(new Watcher<ConfigMap>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap record) {
                        if (action == Action.MODIFIED) revokedAt.compareAndSet(0, System.nanoTime());
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                })) {
            WardJvm.Outcome o = wardctl.wardctl(Duration.ofSeconds(120), "node", "revoke", node.name(), "--store", "k8s");
            Thread.sleep(500); // the watch event may trail the command's return
            return new StoreWrite(o, revokedAt.get(), System.nanoTime());
        }
    }

    /** Two DaemonSets of Ward's image running the echo service: two pods on every node, control plane included. */
    private static void startWorkloads(KubernetesClient client, String image) {
        Namespace ns = new NamespaceBuilder().withNewMetadata().withName(WORKLOADS).endMetadata().build();
        client.resource(ns).serverSideApply();
        List<String> serve = new ArrayList<>(PodExec.TRAFFIC_TOOL);
        serve.add("serve");
        for (String set : WORKLOAD_SETS) {
            DaemonSet ds = new DaemonSetBuilder()
                    .withNewMetadata().withName(set).withNamespace(WORKLOADS).endMetadata()
                    .withNewSpec()
                    .withNewSelector().addToMatchLabels("app", set).endSelector()
                    .withNewTemplate()
                    .withNewMetadata().addToLabels("app", set).endMetadata()
                    .withNewSpec()
                    .addNewToleration().withOperator("Exists").endToleration()
                    .addNewContainer().withName("pod").withImage(image).withImagePullPolicy("IfNotPresent").withCommand(serve)
                    .endContainer()
                    .endSpec().endTemplate().endSpec().build();
            client.resource(ds).serverSideApply();
        }
        for (String set : WORKLOAD_SETS) {
            client.apps().daemonSets().inNamespace(WORKLOADS).withName(set).waitUntilCondition(d -> d != null && d.getStatus() != null
                    && d.getStatus().getDesiredNumberScheduled() != null && d.getStatus().getDesiredNumberScheduled() > 0
                    && d.getStatus().getDesiredNumberScheduled().equals(d.getStatus().getNumberReady()), 5, TimeUnit.MINUTES);
        }
    }

    private static InetAddress internalIp(Node n) {
        return n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType())).map(NodeAddress::getAddress)
                .filter(a -> !a.contains(":")).findFirst().map(InetAddress::ofLiteral)
                .orElseThrow(() -> new IllegalStateException("node " + n.getMetadata().getName() + " has no IPv4 InternalIP"));
    }
}

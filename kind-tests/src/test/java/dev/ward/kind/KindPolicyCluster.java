package dev.ward.kind;

import dev.ward.lab.LabPolicies;
import dev.ward.lab.PodTcp;
import dev.ward.lab.PolicyCluster;
import dev.ward.lab.WardJvm;
import dev.ward.trust.k8s.WardKubernetes;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The kind cluster as the policy scenarios drive it: pods of Ward's image in the suites' namespace, each pinned to its
 * node by {@code spec.nodeName} and running PodTrafficTool's TCP echo; policies applied as printed with
 * {@code kubectl apply} (the chart installs the cilium.io CRDs) and removed with {@code kubectl delete}; connection
 * attempts made inside the pods with {@code kubectl exec}; {@code wardctl monitor} run in the node's agent pod, on
 * the chart's API socket. Closing it deletes the pods it created and the policies it applied.
 */
final class KindPolicyCluster implements PolicyCluster<KindNode, KindPod>, AutoCloseable {
    private final KubernetesClient client;
    private final String image;
    private final List<String> pods = new ArrayList<>();
    private final List<LabPolicies.Policy> policies = new ArrayList<>();

    /** @param image Ward's image, as kind has it loaded */
    KindPolicyCluster(KindCluster cluster, String image) {
        this.client = cluster.client();
        this.image = image;
    }

    @Override
    public String namespace() {
        return KindCluster.WORKLOADS;
    }

    @Override
    public KindPod createPod(KindNode node, String name, Map<String, String> labels, List<Integer> tcpEchoPorts) throws Exception {
        List<String> command = new ArrayList<>(PodExec.TRAFFIC_TOOL);
        command.add("tcp-echo");
        tcpEchoPorts.forEach(p -> command.add(Integer.toString(p)));
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace()).addToLabels(labels).endMetadata()
                .withNewSpec()
                .withNodeName(node.name())
                .addNewToleration().withOperator("Exists").endToleration()
                // The image runs as a user (65532), and the deathstar serves on 80; this sysctl is namespaced and safe.
                .withNewSecurityContext().addNewSysctl().withName("net.ipv4.ip_unprivileged_port_start").withValue("0").endSysctl()
                .endSecurityContext()
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("pod").withImage(image).withImagePullPolicy("IfNotPresent").withCommand(command).endContainer()
                .endSpec().build();
        client.pods().inNamespace(namespace()).withName(name).withGracePeriod(0).delete(); // left by a run that kept its cluster
        client.pods().inNamespace(namespace()).withName(name).waitUntilCondition(p -> p == null, 2, TimeUnit.MINUTES);
        client.resource(pod).create();
        pods.add(name);
        Pod ready = client.pods().inNamespace(namespace()).withName(name).waitUntilReady(3, TimeUnit.MINUTES);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String log = "";
        while (!log.contains("listening") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            log = client.pods().inNamespace(namespace()).withName(name).getLog();
        }
        if (!log.contains("listening")) throw new IllegalStateException("pod " + name + " on " + node.name() + " never listened: " + log);
        return new KindPod(name, InetAddress.ofLiteral(ready.getStatus().getPodIP()), node.name());
    }

    @Override
    public long apply(LabPolicies.Policy policy) throws Exception {
        String yaml = policy.yaml();
        long sent = System.nanoTime();
        kubectl(yaml, "apply", "-n", namespace(), "-f", "-");
        policies.add(policy);
        return sent;
    }

    @Override
    public long delete(LabPolicies.Policy policy) {
        long sent = System.nanoTime();
        kubectl(null, "delete", "-n", namespace(), "ciliumnetworkpolicies.cilium.io", policy.name(), "--ignore-not-found");
        policies.remove(policy);
        return sent;
    }

    @Override
    public PodTcp.Attempt connect(KindPod from, KindPod to, int port, int timeoutMillis) {
        List<String> command = new ArrayList<>(PodExec.TRAFFIC_TOOL);
        command.addAll(List.of("connect", to.ip().getHostAddress(), Integer.toString(port), Integer.toString(timeoutMillis)));
        String out = PodExec.run(namespace(), from.name(), command).require("connect from " + from.name()).strip();
        String last = out.lines().reduce((a, b) -> b).orElse("");
        try {
            return PodTcp.Attempt.valueOf(last);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("connect from " + from.name() + " printed no attempt's outcome: " + out);
        }
    }

    @Override
    public WardJvm.Outcome monitor(KindNode node, List<String> args) {
        long start = System.nanoTime();
        // A small heap: this JVM shares the agent container's memory limit with the agent itself.
        String line = "WARD_JAVA_OPTS='-Xmx64m -XX:TieredStopAtLevel=1' exec wardctl monitor "
                + args.stream().map(a -> "'" + a + "'").collect(Collectors.joining(" "));
        PodExec.Result r = PodExec.run(WardKubernetes.NAMESPACE, node.agentPod(), List.of("sh", "-c", line));
        return new WardJvm.Outcome(r.exit(), r.output(), (System.nanoTime() - start) / 1_000_000);
    }

    private static void kubectl(String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of("kubectl"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kubectl (scripts/kind-e2e needs it on PATH): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (LabPolicies.Policy p : List.copyOf(policies)) delete(p);
        for (String name : pods) client.pods().inNamespace(namespace()).withName(name).withGracePeriod(0).delete();
    }
}

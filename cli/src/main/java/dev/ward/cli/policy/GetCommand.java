package dev.ward.cli.policy;

import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;
import dev.ward.cli.OutputOption;
import dev.ward.cli.endpoints.AgentSocketOptions;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.compute.VerdictEntry;
import dev.ward.policy.compute.VerdictTable;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.identity.IdentityLabelFilter;
import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.load.LoadedEngine;
import dev.ward.policy.label.LabelSource;
import dev.ward.policy.model.Cidr;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.RuleRef;
import dev.ward.policy.trace.WorkloadLabels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code wardctl policy get}: the verdict table of one endpoint, computed from the policies, against the
 * identities the store holds (and any given with {@code --identity}): what the datapath's policy map holds.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = {"Show the verdict table of an endpoint given by its labels, computed from policies (-f, --store);",
                "or, with --endpoint, the policy map a running endpoint has in its node's kernel, read back through the agent."},
        footer = {"", "Examples:",
                "  wardctl policy get -f policies.yaml --labels app=api,io.kubernetes.pod.namespace=prod \\",
                "      --identity app=web,io.kubernetes.pod.namespace=prod --fqdn api.github.com=140.82.112.5",
                "  wardctl policy get --endpoint default/deathstar      # on the node, over /run/ward/agent.sock"})
public final class GetCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOption out;

    @Mixin
    PolicyInputs inputs;

    @Option(names = "--labels", paramLabel = "LABELS", description = "The endpoint's labels (the table computed from policies).")
    String labels;

    @Option(names = "--endpoint", paramLabel = "NAMESPACE/POD", description = {
            "A running endpoint of this node: its policy map read back from the kernel through the agent (--socket),",
            "rows the agent's table lacks marked STALE, rows the kernel lacks MISSING."})
    String endpoint;

    @Mixin
    AgentSocketOptions agent;

    @Option(names = "--identity", paramLabel = "LABELS", description = "A remote workload's labels; repeatable.")
    List<String> identities = new ArrayList<>();

    @Option(names = "--fqdn", paramLabel = "NAME=IP", description = "A DNS answer the DNS proxy saw; repeatable.")
    List<String> fqdns = new ArrayList<>();

    /** The table as printed with -o json. */
    public record Output(String endpoint, int identity, String labels, boolean ingressEnforced, List<String> ingressEnforcedBy,
                         boolean egressEnforced, List<String> egressEnforcedBy, List<Row> entries, List<String> conflicts,
                         List<String> rejected) {}

    public record Row(String direction, String remoteIdentity, String remoteLabels, String protocol, String ports,
                      String verdict, String l7Type, List<String> l7Rules, List<String> rules) {}

    @Override
    public void run() {
        if ((endpoint == null) == (labels == null)) {
            throw new ParameterException(spec.commandLine(), "give --labels (the table computed from policies) or --endpoint (the kernel's, from the agent)");
        }
        if (endpoint != null) {
            if (!inputs.files.isEmpty() || inputs.store != null || !identities.isEmpty() || !fqdns.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--endpoint reads the kernel's map through the agent: -f, --store, --identity and --fqdn do not apply");
            }
            ApiResponse.Policy p = (ApiResponse.Policy) agent.ask(new ApiRequest.GetPolicy(endpoint));
            KernelPolicyView.print(spec.commandLine().getOut(), p.policy(), out.json());
            spec.commandLine().getOut().flush();
            return;
        }
        LoadedEngine loaded = LoadedEngine.of(inputs.load(System.err), inputs.cluster, inputs.namedPorts());
        PolicyEngine engine = loaded.engine();
        List<String> rejected = loaded.rejected();
        rejected.forEach(r -> System.err.println("wardctl: " + r));
        for (String i : identities) {
            loaded.identityOf(WorkloadLabels.complete(LabelSet.parse(i, LabelSource.K8S), inputs.cluster));
        }
        for (String f : fqdns) {
            int eq = f.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--fqdn '" + f + "' is not NAME=IP");
            engine.learnFqdn(f.substring(0, eq), List.of(Cidr.parse(f.substring(eq + 1)).address()));
        }
        LabelSet epLabels = WorkloadLabels.complete(LabelSet.parse(labels, LabelSource.K8S), inputs.cluster);
        Identity self = loaded.identityOf(epLabels);
        Identity endpointIdentity = Identity.of(self.id(), IdentityLabelFilter.DEFAULT.filter(epLabels));
        engine.upsertEndpoint(new LocalEndpoint("endpoint", endpointIdentity, inputs.namedPorts()));
        VerdictTable t = engine.table("endpoint");

        List<Row> rows = new ArrayList<>();
        for (VerdictEntry e : t.entries()) {
            Identity remote = engine.identity(e.remoteId());
            String ports = e.low() == 0 && e.high() == 65535 ? "*" : e.low() == e.high() ? String.valueOf(e.low()) : e.low() + "-" + e.high();
            rows.add(new Row(e.direction().lower(), IdentityNumbers.describe(e.remoteId()),
                    e.remoteId() == IdentityNumbers.ANY ? "*" : remote == null ? "?" : remote.labels().toString()
                            + (remote.fqdnNames().isEmpty() ? "" : " " + remote.fqdnNames()),
                    e.protocol().name(), ports, e.verdict().kind().name().toLowerCase() + (e.verdict().conflict() ? " (L7 conflict)" : ""),
                    e.verdict().l7Type(), e.verdict().grants().stream().map(g -> g.rule().toString()).toList(),
                    e.verdict().rules().stream().map(RuleRef::toString).toList()));
        }
        Output o = new Output("endpoint", self.id(), endpointIdentity.labels().toString(),
                t.enforced(Direction.INGRESS), t.enforcingRules(Direction.INGRESS).stream().map(RuleRef::toString).toList(),
                t.enforced(Direction.EGRESS), t.enforcingRules(Direction.EGRESS).stream().map(RuleRef::toString).toList(),
                rows, t.conflicts(), rejected);
        PrintWriter w = spec.commandLine().getOut();
        if (out.json()) {
            w.println(OutputOption.toJson(o));
        } else {
            w.println("endpoint identity " + IdentityNumbers.describe(o.identity()) + " " + o.labels());
            w.println("ingress: " + (o.ingressEnforced() ? "default deny (" + String.join(", ", o.ingressEnforcedBy()) + ")" : "default allow"));
            w.println("egress:  " + (o.egressEnforced() ? "default deny (" + String.join(", ", o.egressEnforcedBy()) + ")" : "default allow"));
            for (String c : o.conflicts()) w.println("conflict: " + c);
            OutputOption.Table table = new OutputOption.Table("DIRECTION", "REMOTE", "LABELS", "PROTO", "PORTS", "VERDICT", "RULES");
            for (Row r : rows) {
                String verdict = r.l7Type() == null ? r.verdict() : r.verdict() + " " + r.l7Type() + " " + r.l7Rules();
                table.row(r.direction(), r.remoteIdentity(), r.remoteLabels(), r.protocol(), r.ports(), verdict, String.join("; ", r.rules()));
            }
            w.print(table.render());
        }
        w.flush();
    }
}

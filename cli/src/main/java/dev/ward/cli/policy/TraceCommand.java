package dev.ward.cli.policy;

import dev.ward.cli.OutputOption;
import dev.ward.policy.load.PolicySet;
import dev.ward.policy.trace.Flow;
import dev.ward.policy.trace.PolicyTracer;
import dev.ward.policy.trace.TraceResult;
import dev.ward.policy.trace.TraceStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * {@code wardctl policy trace}: decides one flow as the datapath will (source egress, destination ingress, then
 * the L7 rules of a redirect) and names the rules that decided it.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Decide a flow and name the rules that decided it.",
        footer = {"", "SRC and DST: a label set (k8s:app=web,k8s:io.kubernetes.pod.namespace=prod; labels without a",
                "source are k8s: labels, a missing namespace is 'default'), an IP address, or a DNS name",
                "(api.example.com, or api.example.com@192.0.2.7 for the address it resolved to).",
                "", "Example:",
                "  wardctl policy trace -f sw.yaml --src org=empire,class=tiefighter --dst org=empire,class=deathstar \\",
                "      --dport 80/TCP --http-method POST --http-path /v1/request-landing -o json"})
public final class TraceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOption out;

    @Mixin
    PolicyInputs inputs;

    @Mixin
    L7RequestOptions l7;

    @Option(names = "--src", required = true, paramLabel = "SRC", description = "Source: labels, IP address or DNS name.")
    String src;

    @Option(names = "--dst", required = true, paramLabel = "DST", description = "Destination: labels, IP address or DNS name.")
    String dst;

    @Option(names = "--dport", required = true, paramLabel = "PORT/PROTO",
            description = "Destination port and protocol, e.g. 80/TCP, 53/UDP, 8/ICMP (ICMP type).")
    String dport;

    @Override
    public void run() {
        PolicySet policies = inputs.load(System.err);
        Flow flow = Flow.of(src, dst, Flow.protocol(dport), Flow.port(dport), l7.request());
        TraceResult r = new PolicyTracer(policies, inputs.cluster, inputs.namedPorts()).trace(flow);
        PrintWriter w = spec.commandLine().getOut();
        if (out.json()) {
            w.println(OutputOption.toJson(r));
        } else {
            w.println("verdict: " + r.verdict().toUpperCase());
            w.println("flow:    " + r.source() + " -> " + r.destination() + " " + r.flow());
            for (TraceStep s : r.steps()) {
                w.println(s.direction() + " (" + s.endpoint() + " endpoint, remote identity " + s.remoteIdentity() + "): "
                        + s.decision().toUpperCase() + (s.byDefault() ? " by default" : ""));
                w.println("  " + s.explanation());
                for (String rule : s.rules()) w.println("  rule: " + rule);
                for (String rule : s.l7MatchedRules()) w.println("  L7 rule admitting the request: " + rule);
            }
            for (String n : r.notes()) w.println("note: " + n);
            if (!r.decidingRules().isEmpty()) {
                w.println("deciding rules:");
                for (String rule : r.decidingRules()) w.println("  " + rule);
            }
        }
        w.flush();
    }
}

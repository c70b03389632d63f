package dev.ward.policy.golden;

import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.model.ServiceDefinition;
import dev.ward.policy.parse.FixedPolicies;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.parse.PolicyProblem;
import dev.ward.policy.trace.PolicyTracer;
import dev.ward.policy.trace.TraceResult;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every published policy example Ward must accept and enforce as written: the posts in shared/reference, Cilium's
 * documentation examples and Kubernetes' documentation examples. Each {@code NAME.yaml} (the example, verbatim
 * below a source comment) has a {@code NAME.flows} file listing flows that must be allowed and flows that must be
 * denied, plus the warnings or errors the example must produce. See {@link FlowLine} for the flow syntax; other
 * directives: {@code warn TEXT}, {@code error TEXT}, {@code namedport NAME=PORT/PROTO}, {@code cluster NAME}, and
 * {@code fix TEXT}: the example as printed is refused, only for forms {@code wardctl policy validate --fix}
 * corrects (one error contains TEXT); the corrected text is then read strictly, and the flows are checked on it.
 */
class GoldenPolicyTest {

    @TestFactory
    Stream<DynamicNode> goldenCases() throws IOException, URISyntaxException {
        Path root = Path.of(GoldenPolicyTest.class.getResource("/golden").toURI());
        List<Path> flows;
        try (Stream<Path> s = Files.walk(root)) {
            flows = s.filter(p -> p.toString().endsWith(".flows")).sorted().toList();
        }
        assertTrue(flows.size() >= 70, "expected the full golden corpus, found " + flows.size() + " cases");
        return flows.stream().map(f -> goldenCase(root, f));
    }

    private DynamicNode goldenCase(Path root, Path flowsFile) {
        String name = root.relativize(flowsFile).toString().replace(".flows", "");
        Path yaml = flowsFile.resolveSibling(flowsFile.getFileName().toString().replace(".flows", ".yaml"));
        List<DynamicNode> tests = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(flowsFile);
            String printed = Files.readString(yaml);
            List<String> expectRepairs = lines.stream().map(String::strip).filter(l -> l.startsWith("fix "))
                    .map(l -> l.substring(4)).toList();
            PolicyParser parser = new PolicyParser();
            String text = printed;
            if (!expectRepairs.isEmpty()) {
                List<PolicyProblem> refused = parser.parse(printed, yaml.getFileName().toString()).stream()
                        .flatMap(d -> d.errors().stream()).toList();
                FixedPolicies fixed = parser.fix(printed, yaml.getFileName().toString());
                tests.add(DynamicTest.dynamicTest("refused as printed, for forms --fix corrects", () -> {
                    for (String r : expectRepairs) {
                        assertTrue(refused.stream().anyMatch(e -> e.toString().contains(r)), "expected an error containing '" + r + "', got " + refused);
                    }
                    assertTrue(refused.stream().allMatch(e -> e.message().endsWith("(wardctl policy validate --fix does this)")),
                            "errors --fix does not correct: " + refused);
                    assertTrue(fixed.ok(), fixed.documents().toString());
                }));
                text = fixed.text();
            }
            List<ParsedDocument> docs = parser.parse(text, yaml.getFileName().toString());
            List<PolicyProblem> errors = new ArrayList<>();
            List<PolicyProblem> warnings = new ArrayList<>();
            List<Policy> policies = new ArrayList<>();
            List<ServiceDefinition> services = new ArrayList<>();
            for (ParsedDocument d : docs) {
                errors.addAll(d.errors());
                warnings.addAll(d.warnings());
                if (d.policy() != null) policies.add(d.policy());
                if (d.service() != null) services.add(d.service());
            }
            Map<String, Set<NamedPort>> named = new HashMap<>();
            String cluster = "default";
            List<String> expectErrors = new ArrayList<>();
            List<String> expectWarnings = new ArrayList<>();
            List<FlowLine> flowLines = new ArrayList<>();
            for (String raw : lines) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#") || line.startsWith("fix ")) continue;
                if (line.startsWith("warn ")) expectWarnings.add(line.substring(5));
                else if (line.startsWith("error ")) expectErrors.add(line.substring(6));
                else if (line.startsWith("cluster ")) cluster = line.substring(8).strip();
                else if (line.startsWith("namedport ")) {
                    String spec = line.substring(10).strip();
                    String n = spec.substring(0, spec.indexOf('='));
                    String pp = spec.substring(spec.indexOf('=') + 1);
                    String[] parts = pp.split("/");
                    named.computeIfAbsent(n, k -> new HashSet<>())
                            .add(new NamedPort(Integer.parseInt(parts[0]), Protocol.parseFlowProtocol(parts[1])));
                } else flowLines.add(FlowLine.parse(line));
            }
            tests.add(DynamicTest.dynamicTest("parses as expected", () -> {
                for (String e : expectErrors) {
                    assertTrue(errors.stream().anyMatch(p -> p.toString().contains(e)),
                            "expected an error containing '" + e + "', got " + errors);
                }
                if (expectErrors.isEmpty()) assertEquals(List.of(), errors, "unexpected errors");
                for (String w : expectWarnings) {
                    assertTrue(warnings.stream().anyMatch(p -> p.toString().contains(w)),
                            "expected a warning containing '" + w + "', got " + warnings);
                }
                if (expectWarnings.isEmpty()) assertEquals(List.of(), warnings, "unexpected warnings");
                if (expectErrors.isEmpty()) assertFalse(policies.isEmpty(), "no policy parsed");
            }));
            PolicyTracer tracer = new PolicyTracer(policies, services, cluster, named);
            for (FlowLine fl : flowLines) {
                tests.add(DynamicTest.dynamicTest(fl.text(), () -> {
                    TraceResult r = tracer.trace(fl.flow());
                    if (r.allowed() != fl.allow()) {
                        fail("expected " + (fl.allow() ? "allowed" : "denied") + " but was " + r.verdict() + "\n  "
                                + String.join("\n  ", r.steps().stream().map(Object::toString).toList())
                                + "\n  notes: " + r.notes());
                    }
                }));
            }
        } catch (IOException | RuntimeException e) {
            tests.add(DynamicTest.dynamicTest("loads", () -> fail("cannot load golden case " + name, e)));
        }
        return DynamicContainer.dynamicContainer(name, tests);
    }
}

package dev.ward.policy.l7;

import dev.ward.policy.model.FqdnPattern;
import dev.ward.policy.model.L7Rules;
import dev.ward.policy.model.Policy;
import dev.ward.policy.model.Protocol;
import dev.ward.policy.parse.ParsedDocument;
import dev.ward.policy.parse.PolicyParser;
import dev.ward.policy.parse.PolicyProblem;
import dev.ward.policy.trace.Flow;
import dev.ward.policy.trace.PolicyTracer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L7 and DNS rules are matched on every request, so a pattern an author writes must never make matching
 * super-linear: Ward matches RE2 syntax (as Cilium and Envoy do) in time linear in the input, and refuses what RE2
 * refuses. Each timed case takes minutes or more with a backtracking engine.
 */
class LinearMatchingTest {
    private static List<ParsedDocument> parse(String rules) {
        return new PolicyParser().parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: l7}
                spec:
                  endpointSelector: {matchLabels: {app: api}}
                  ingress:
                  - toPorts:
                    - ports: [{port: "80", protocol: TCP}]
                      rules:
                """ + rules.indent(8), "l7.yaml");
    }

    private static Policy policy(String rules) {
        ParsedDocument d = parse(rules).getFirst();
        assertEquals(List.of(), d.errors());
        return d.policy();
    }

    private static boolean admits(Policy p, String path) {
        return new PolicyTracer(List.of(p), List.of(), "default", Map.of())
                .trace(Flow.of("app=client", "app=api", Protocol.TCP, 80, new L7Request.Http("GET", path, "api", Map.of())))
                .allowed();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void nestedAlternationOverAShortPathIsLinear() {
        Policy p = policy("http: [{path: '((a|a)*)*c'}]");
        assertFalse(admits(p, "a".repeat(35)));
        assertTrue(admits(p, "a".repeat(35) + "c"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void nestedRepetitionOverALongPathIsLinear() {
        Policy p = policy("http: [{path: '(a+)+b'}]");
        assertFalse(admits(p, "a".repeat(50_000)));
        assertTrue(admits(p, "a".repeat(50_000) + "b"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void genericParserRegexesAreLinearToo() {
        L7Rules.GenericRule rule = L7Rules.GenericRule.of("cassandra", Map.of("query_table", "((a|a)*)*c"));
        assertFalse(L7RuleMatcher.matches(rule, new L7Request.Generic("cassandra", Map.of("query_table", "a".repeat(35)))));
        assertTrue(L7RuleMatcher.matches(rule, new L7Request.Generic("cassandra", Map.of("query_table", "a".repeat(35) + "c"))));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void dnsPatternsWithManyWildcardsAreLinear() {
        FqdnPattern p = FqdnPattern.matchPattern("*a*a*a*a*a*a*a*a*.example.com");
        assertFalse(p.matches("a".repeat(60) + ".example.co"));
        assertTrue(p.matches("a".repeat(60) + ".example.com"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            (a)\\1           | invalid escape sequence
            (?=a)b           | invalid or unsupported Perl syntax
            a++              | invalid nested repetition operator
            ((a{100}){100}){100} | is too large
            """)
    void patternsRe2RefusesAreRefusedWhenThePolicyIsRead(String regex, String reason) {
        List<PolicyProblem> errors = parse("http: [{path: '" + regex + "'}]").getFirst().errors();
        assertEquals(1, errors.size(), errors.toString());
        assertEquals("spec.ingress[0].toPorts[0].rules.http[0].path", errors.getFirst().path());
        assertTrue(errors.getFirst().message().contains(reason), errors.toString());
    }

    @Test
    void re2SyntaxKeepsItsMeaning() {
        Policy posix = policy("http: [{path: '/v[[:digit:]]+/.*'}]");
        assertTrue(admits(posix, "/v12/items"));
        assertFalse(admits(posix, "/v:/items"), "[[:digit:]] is a digit class in RE2, not the characters [:digt]");
        Policy anchored = policy("http: [{path: '/public'}]");
        assertFalse(admits(anchored, "/public/secret"), "a path rule matches the whole path");
    }

    @Test
    void cassandraTableRegexesAreCheckedWhenThePolicyIsRead() {
        List<PolicyProblem> errors = new PolicyParser().parse("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: cass}
                spec:
                  endpointSelector: {matchLabels: {app: cass}}
                  ingress:
                  - toPorts:
                    - ports: [{port: "9042", protocol: TCP}]
                      rules: {l7proto: cassandra, l7: [{query_action: select, query_table: 'system(\\.'}]}
                """, "cass.yaml").getFirst().errors();
        assertEquals("spec.ingress[0].toPorts[0].rules.l7[0].query_table", errors.getFirst().path(), errors.toString());
        assertTrue(errors.getFirst().message().contains("missing closing )"), errors.toString());
    }
}

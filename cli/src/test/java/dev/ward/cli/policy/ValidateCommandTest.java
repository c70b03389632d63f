package dev.ward.cli.policy;

import dev.ward.cli.CliExit;
import dev.ward.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.ward.cli.CliRun.wardctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wardctl policy validate}: strict by default, {@code --fix} on request, and files it cannot read. */
class ValidateCommandTest {
    private static final Path GOLDEN = Path.of(System.getProperty("user.dir")).getParent()
            .resolve("policy/src/test/resources/golden");

    private static final String FLATTENED_SELECTOR = """
            # a policy with its labels one level too far left
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: l4-rule
            spec:
              endpointSelector:
                matchLabels:
                  role: backend
              ingress:
              - fromEndpoints:
                - matchLabels:
                  role: frontend
            """;

    @Test
    void aPolicyNotAsTheSchemaSaysIsRefusedAndTheRefusalSaysHowToFixIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("l4.yaml");
        Files.writeString(f, FLATTENED_SELECTOR);
        CliRun r = wardctl("policy", "validate", f.toString());
        assertEquals(CliExit.FAILURE, r.exit(), r.out());
        assertTrue(r.out().contains("INVALID  " + f + "#0  CiliumNetworkPolicy l4-rule"), r.out());
        assertTrue(r.out().contains("  error:   spec.ingress[0].fromEndpoints[0].matchLabels: is empty and followed by [role] "
                + "at the same indentation: indent them under matchLabels (wardctl policy validate --fix does this)"), r.out());
    }

    @Test
    void fixPrintsTheCorrectedDocumentAndWhatItCorrected(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("l4.yaml");
        Files.writeString(f, FLATTENED_SELECTOR);
        CliRun fixed = wardctl("policy", "validate", "--fix", f.toString());
        assertEquals(0, fixed.exit(), fixed.err());
        assertTrue(fixed.out().startsWith("# a policy with its labels one level too far left\napiVersion: cilium.io/v2\n"), fixed.out());
        assertTrue(fixed.out().contains("""
                  - fromEndpoints:
                    - matchLabels:
                        role: frontend
                """), fixed.out());
        assertTrue(fixed.err().contains("fixed    " + f + "#0  CiliumNetworkPolicy/default/l4-rule"), fixed.err());
        assertTrue(fixed.err().contains("  fixed:   spec.ingress[0].fromEndpoints[0].matchLabels: is empty and followed by [role]"), fixed.err());

        Path corrected = dir.resolve("corrected.yaml");
        Files.writeString(corrected, fixed.out());
        CliRun again = wardctl("policy", "validate", corrected.toString());
        assertEquals(0, again.exit(), again.out());
        assertEquals("ok       " + corrected + "#0  CiliumNetworkPolicy/default/l4-rule\n", again.out());
    }

    @Test
    void fixOfWhatNoRepairCoversExitsNonZeroAndSaysWhatIsLeft() {
        CliRun r = wardctl("policy", "validate", "--fix", GOLDEN.resolve("cilium/sw-malformed.yaml").toString());
        assertEquals(CliExit.FAILURE, r.exit());
        assertTrue(r.err().contains("  error:   spec.egress: must be a list, not a mapping"), r.err());
        assertTrue(r.err().contains("wardctl: 1 of 1 documents still invalid after --fix"), r.err());
        CliRun json = wardctl("policy", "validate", "--fix", "-o", "json", GOLDEN.resolve("cilium/l3-simple.yaml").toString());
        assertEquals(CliExit.USAGE, json.exit());
    }

    @Test
    void theReferencePostsAreAcceptedAsPrinted() {
        for (String post : new String[] {"000-egress-domain-wildcard", "001-to-fqdn-example", "002-kafka-behind-dns",
                "003-ha-dns-proxy-demo", "004-cassandra", "004-memcached"}) {
            CliRun r = wardctl("policy", "validate", GOLDEN.resolve("posts/" + post + ".yaml").toString());
            assertEquals(0, r.exit(), post + ": " + r.out());
        }
    }

    @Test
    void theSameObjectInTwoFilesWarns(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.yaml");
        Path b = dir.resolve("b.yaml");
        Files.copy(GOLDEN.resolve("cilium/l3-simple.yaml"), a);
        Files.copy(GOLDEN.resolve("cilium/l3-simple.yaml"), b);
        CliRun r = wardctl("policy", "validate", a.toString(), b.toString());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("  warning: metadata.name: CiliumNetworkPolicy/default/l3-rule is also defined at " + a
                + "#0; applied together, this later definition replaces that one"), r.out());
    }

    @Test
    void filesThatCannotBeReadSayWhy(@TempDir Path dir) throws Exception {
        CliRun missing = wardctl("policy", "validate", dir.resolve("nope.yaml").toString());
        assertEquals(CliExit.FAILURE, missing.exit());
        assertTrue(missing.out().contains("INVALID  " + dir.resolve("nope.yaml") + "  file\n  error:   cannot read: no such file"), missing.out());

        Path binary = dir.resolve("policy.bin");
        Files.write(binary, new byte[] {'a', 'p', 'i', (byte) 0xC3, 0x28, 0, 0});
        CliRun bin = wardctl("policy", "validate", binary.toString());
        assertEquals(CliExit.FAILURE, bin.exit());
        assertTrue(bin.out().contains("error:   cannot read: not UTF-8 text (byte 0xc3 at offset 3): expected YAML or JSON"), bin.out());

        Path nul = dir.resolve("zeros.yaml");
        Files.write(nul, new byte[] {'a', ':', ' ', 0, '\n'});
        CliRun zeros = wardctl("policy", "validate", nul.toString());
        assertTrue(zeros.out().contains("error:   cannot read: a NUL byte at offset 3: a binary file, not YAML or JSON"), zeros.out());

        CliRun directory = wardctl("policy", "validate", dir.toString());
        assertTrue(directory.out().contains("error:   cannot read: is a directory"), directory.out());

        CliRun trace = wardctl("policy", "trace", "-f", dir.resolve("nope.yaml").toString(), "--src", "app=a", "--dst", "app=b", "--dport", "80/TCP");
        assertEquals("wardctl: cannot read " + dir.resolve("nope.yaml") + ": no such file\n", trace.err());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHundredThousandDocumentsValidateInOnePass(@TempDir Path dir) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            text.append("---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p").append(i)
                    .append("}\nspec: {endpointSelector: {matchLabels: {app: a").append(i).append("}}, ingress: [{}]}\n");
        }
        Path f = dir.resolve("big.yaml");
        Files.writeString(f, text);
        CliRun r = wardctl("policy", "validate", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(100_000, r.out().lines().count());
        assertTrue(r.out().endsWith("ok       " + f + "#100000  CiliumNetworkPolicy/default/p99999\n"), r.out().substring(r.out().length() - 200));
    }
}

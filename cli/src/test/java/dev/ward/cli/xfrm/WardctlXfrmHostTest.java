package dev.ward.cli.xfrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.IpCommand;
import dev.ward.xfrm.KernelEspSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** wardctl xfrm against the host kernel, in a namespace of the test's own: listings and every bad input. */
class WardctlXfrmHostTest {
    private static final String NS = "wx-cli-" + ProcessHandle.current().pid();
    @TempDir Path dir;

    @BeforeEach
    void namespace() {
        NetworkNamespace.create(NS);
    }

    @AfterEach
    void cleanup() {
        NetworkNamespace.delete(NS);
    }

    private Path file(String json) throws Exception {
        Path f = Files.createTempFile(dir, "xfrm", ".json");
        Files.writeString(f, json);
        return f;
    }

    private static String gcmSa(String spi, String key) {
        return "{\"states\":[{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"spi\":\"" + spi + "\",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"" + key + "\"}}]}";
    }

    @Test
    void policiesAreListedAsTableAndJson() throws Exception {
        WardctlRun apply = WardctlRun.of("xfrm", "apply", "--netns", NS, file("""
                {"policies": [
                  {"dir": "out", "src": "10.1.0.0/24", "dst": "10.2.0.0/24", "priority": 100,
                   "templates": [{"src": "10.0.0.1", "dst": "10.0.0.2", "reqid": 1}]},
                  {"dir": "in", "src": "10.2.0.0/24", "dst": "10.1.0.0/24", "proto": 17, "dport": 53, "action": "block", "mark": "0x5/0xff"}]}
                """).toString());
        assertEquals(0, apply.exit(), apply.err());
        assertEquals("installed 0 SAs and 2 policies\n", apply.out());
        assertTrue(IpCommand.run("-n", NS, "xfrm", "policy").contains("dir in action block priority 0"));

        WardctlRun table = WardctlRun.of("xfrm", "policies", "--netns", NS);
        assertEquals(0, table.exit(), table.err());
        List<String> lines = table.out().lines().toList();
        assertEquals(3, lines.size(), table.out());
        assertTrue(lines.getFirst().startsWith("DIR  SELECTOR"), table.out());
        assertTrue(table.out().contains("out  10.1.0.0/24->10.2.0.0/24"), table.out());
        assertTrue(table.out().contains("tunnel 10.0.0.1->10.0.0.2 reqid 1"), table.out());

        WardctlRun json = WardctlRun.of("xfrm", "policies", "--netns", NS, "-o", "json");
        JsonNode rows = new ObjectMapper().readTree(json.out());
        assertEquals(2, rows.size());
        JsonNode in = rows.get(0).get("dir").asText().equals("in") ? rows.get(0) : rows.get(1);
        assertEquals("10.2.0.0/24->10.1.0.0/24:53 proto 17", in.get("selector").asText());
        assertEquals("0x5/0xff", in.get("mark").asText());
    }

    @Test
    void statsAndEmptyStates() throws Exception {
        WardctlRun stats = WardctlRun.of("xfrm", "stats", "--netns", NS);
        assertEquals(0, stats.exit(), stats.err());
        assertTrue(stats.out().contains("XfrmInNoStates"), stats.out());
        JsonNode json = new ObjectMapper().readTree(WardctlRun.of("xfrm", "stats", "--netns", NS, "-o", "json").out());
        assertEquals(0, json.get("XfrmOutPolBlock").asLong());
        WardctlRun states = WardctlRun.of("xfrm", "states", "--netns", NS, "-o", "json");
        assertEquals(0, states.exit(), states.err());
        assertEquals("[ ]", states.out().strip());
    }

    @Test
    void missingNamespaceIsOneLine() {
        WardctlRun r = WardctlRun.of("xfrm", "states", "--netns", "wx-no-such-ns");
        assertEquals(1, r.exit());
        assertEquals("wardctl: network namespace wx-no-such-ns does not exist (no /run/netns/wx-no-such-ns)", r.errorLine());
    }

    @Test
    void invalidSasAreRefusedBeforeTheKernelAndInstallNothing() throws Exception {
        WardctlRun shortKey = WardctlRun.of("xfrm", "apply", "--netns", NS, file(gcmSa("0x1000", "00112233445566778899aabbccddeeff")).toString());
        assertEquals(1, shortKey.exit());
        assertEquals("wardctl: SA spi 0x00001000 10.0.0.1->10.0.0.2: rfc4106(gcm(aes)) key of 128 bits, expected 160 or 288 bits",
                shortKey.errorLine());
        WardctlRun unknown = WardctlRun.of("xfrm", "apply", "--netns", NS, file(gcmSa("0x1000", "00112233").replace("rfc4106(gcm(aes))", "rfc4309(ccm(aes))")).toString());
        assertEquals("wardctl: SA spi 0x00001000 10.0.0.1->10.0.0.2: unknown AEAD algorithm 'rfc4309(ccm(aes))' (Ward installs rfc4106(gcm(aes)))",
                unknown.errorLine());
        WardctlRun lowSpi = WardctlRun.of("xfrm", "apply", "--netns", NS, file(gcmSa("200", "0102030405060708090a0b0c0d0e0f1011121314")).toString());
        assertEquals("wardctl: SA spi 0x000000c8 10.0.0.1->10.0.0.2: SPI 200 is reserved (RFC 4303 reserves 0..255)", lowSpi.errorLine());
        assertEquals("", IpCommand.run("-n", NS, "xfrm", "state").strip());
    }

    @Test
    void inputThatWouldBeTruncatedOrIgnoredInstallsNothing() throws Exception {
        WardctlRun typo = WardctlRun.of("xfrm", "apply", "--netns", NS, file("""
                {"policy": [{"dir": "out", "src": "10.1.0.0/24", "dst": "10.2.0.0/24"}]}
                """).toString());
        assertEquals(1, typo.exit(), typo.out());
        assertTrue(typo.errorLine().endsWith(": policy: unknown field (expected states or policies)"), typo.err());
        WardctlRun wrap = WardctlRun.of("xfrm", "apply", "--netns", NS, file("""
                {"policies": [{"dir": "out", "src": "10.1.0.0/24", "dst": "10.2.0.0/24", "priority": 4294967297}]}
                """).toString());
        assertEquals(1, wrap.exit(), wrap.out());
        assertTrue(wrap.errorLine().endsWith(": policies[0].priority: 4294967297 is out of range 0..4294967295"), wrap.err());
        assertEquals("", IpCommand.run("-n", NS, "xfrm", "policy").strip());
    }

    @Test
    void fileThatCannotBeReadSaysWhy() throws Exception {
        Path missing = dir.resolve("nope.json");
        WardctlRun r = WardctlRun.of("xfrm", "apply", "--netns", NS, missing.toString());
        assertEquals(1, r.exit());
        assertEquals("wardctl: cannot read " + missing + ": no such file", r.errorLine());
        Path binary = dir.resolve("spec.bin");
        Files.write(binary, new byte[] {'{', (byte) 0xff, '}'});
        WardctlRun bin = WardctlRun.of("xfrm", "apply", "--netns", NS, binary.toString());
        assertEquals("wardctl: cannot read " + binary + ": not UTF-8 text (byte 0xff at offset 1): expected JSON", bin.errorLine());
    }

    @Test
    void kernelWithoutEspIsNamedWithTheKernelsReason() throws Exception {
        WardctlRun r = WardctlRun.of("xfrm", "apply", "--netns", NS, file(gcmSa("0x1000", "0102030405060708090a0b0c0d0e0f1011121314")).toString());
        if (KernelEspSupport.ofRunningKernel().sufficient()) {
            assertEquals(0, r.exit(), r.err());
            return;
        }
        assertEquals(1, r.exit());
        assertEquals("wardctl: SA spi 0x00001000 10.0.0.1->10.0.0.2: Requested AEAD algorithm not found (ENOSYS); "
                + "this kernel lacks the SA's crypto algorithm", r.errorLine());
    }

    @Test
    void duplicatePolicyIsOneLineAndTheRestOfTheBatchStays() throws Exception {
        String pol = "{\"dir\": \"out\", \"src\": \"10.1.0.0/24\", \"dst\": \"10.2.0.0/24\", \"priority\": %d}";
        assertEquals(0, WardctlRun.of("xfrm", "apply", "--netns", NS, file("{\"policies\":[" + pol.formatted(1) + "]}").toString()).exit());
        WardctlRun dup = WardctlRun.of("xfrm", "apply", "--netns", NS, file("{\"policies\":[" + pol.formatted(2)
                + ", {\"dir\": \"in\", \"src\": \"10.2.0.0/24\", \"dst\": \"10.1.0.0/24\"}]}").toString());
        assertEquals(1, dup.exit());
        assertEquals("wardctl: policy out 10.1.0.0/24->10.2.0.0/24: File exists (EEXIST); "
                + "a policy with this selector, direction and mark is already installed", dup.errorLine());
        assertTrue(IpCommand.run("-n", NS, "xfrm", "policy").contains("dir in priority 0"), "the valid one was installed");
    }

    /** A child wardctl without CAP_NET_ADMIN (dropped from its bounding set by util-linux's setpriv). */
    @Test
    void missingCapNetAdminIsOneLine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin", "--",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.ward.cli.Wardctl",
                "xfrm", "policies", "--netns", NS));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out + err);
        assertEquals("wardctl: xfrm policy dump: Operation not permitted (EPERM); xfrm needs CAP_NET_ADMIN", err.strip());
    }
}

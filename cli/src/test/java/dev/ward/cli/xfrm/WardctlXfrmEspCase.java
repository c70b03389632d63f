package dev.ward.cli.xfrm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.IpCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** wardctl xfrm with real SAs: needs ESP, so {@link CliEspKernelTest} runs it on the host or in a guest. */
public class WardctlXfrmEspCase {
    private static final String NS = "wx-cli-esp";
    private static final String K20 = "0102030405060708090a0b0c0d0e0f1011121314";
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        NetworkNamespace.create(NS);
        dir = Files.createTempDirectory("wx-cli");
    }

    @AfterEach
    void cleanup() throws Exception {
        NetworkNamespace.delete(NS);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(dir);
    }

    private static String sa(int spi) {
        return "{\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"spi\":" + spi + ",\"reqid\":" + spi
                + ",\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"" + K20 + "\"},\"replayWindow\":64,\"esn\":true}";
    }

    private String apply(String... sas) throws Exception {
        Path f = Files.createTempFile(dir, "sa", ".json");
        Files.writeString(f, "{\"states\":[" + String.join(",", sas) + "]}");
        return f.toString();
    }

    @Test
    void statesAreListedWithoutKeysAsTableAndJson() throws Exception {
        WardctlRun applied = WardctlRun.of("xfrm", "apply", "--netns", NS, apply(sa(4096), sa(4097)));
        assertEquals(0, applied.exit(), applied.err());
        WardctlRun table = WardctlRun.of("xfrm", "states", "--netns", NS);
        assertEquals(0, table.exit(), table.err());
        List<String> lines = table.out().lines().toList();
        assertEquals(3, lines.size(), table.out());
        assertTrue(lines.get(0).startsWith("SRC       DST       SPI         MODE    REQID  ALGORITHM"), table.out());
        assertTrue(table.out().contains("10.0.0.1  10.0.0.2  0x00001000  tunnel  4096   rfc4106(gcm(aes))/160  64 esn"), table.out());
        assertFalse(table.out().contains(K20));
        JsonNode json = new ObjectMapper().readTree(WardctlRun.of("xfrm", "states", "--netns", NS, "-o", "json").out());
        assertEquals(2, json.size());
        assertFalse(json.toString().contains(K20), "keys must not leave the kernel through wardctl");
        assertTrue(IpCommand.run("-n", NS, "xfrm", "state").contains("spi 0x00001001 reqid 4097 mode tunnel"));
    }

    @Test
    void duplicateSaIsOneLineAndTheOthersInTheBatchAreInstalled() throws Exception {
        assertEquals(0, WardctlRun.of("xfrm", "apply", "--netns", NS, apply(sa(4096))).exit());
        WardctlRun one = WardctlRun.of("xfrm", "apply", "--netns", NS, apply(sa(4096), sa(5000)));
        assertEquals(1, one.exit());
        assertEquals("wardctl: SA spi 0x00001000 10.0.0.1->10.0.0.2: File exists (EEXIST); "
                + "an SA with this destination, SPI and mark is already installed", one.errorLine());
        WardctlRun two = WardctlRun.of("xfrm", "apply", "--netns", NS, apply(sa(4096), sa(5001), sa(5000)));
        assertEquals(1, two.exit());
        List<String> errs = two.err().lines().toList();
        assertEquals(3, errs.size(), two.err());
        assertTrue(errs.get(0).startsWith("wardctl: SA spi 0x00001000 "), two.err());
        assertTrue(errs.get(1).startsWith("wardctl: SA spi 0x00001388 "), two.err());
        assertEquals("wardctl: 2 of 3 refused by the kernel (listed above); the rest are installed", errs.get(2));
        assertTrue(IpCommand.run("-n", NS, "xfrm", "state").contains("spi 0x00001389"), "5001 was installed");
    }
}

package dev.ward.bpf.load;

import dev.ward.bpf.lab.PodLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading through libbpf: the datapath object verifies and pins its maps; a bad program's refusal carries the whole log. */
class BpfObjectTest {
    private Path bpffs;

    @BeforeEach
    void mount() throws Exception {
        bpffs = Files.createTempDirectory("ward-bpffs-");
        BpfFilesystem.mount(bpffs);
    }

    @AfterEach
    void unmount() throws Exception {
        BpfFilesystem.unmount(bpffs);
        try (Stream<Path> s = Files.walk(bpffs)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = BpfObjectTest.class.getResourceAsStream("/dev/ward/bpf/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theDatapathObjectLoadsAndPinsEveryMapByName() throws Exception {
        Path root = BpfFilesystem.pinRoot(bpffs.resolve("ward"));
        try (BpfObject o = BpfObject.load(new BpfObject.Spec(resource("ward_datapath.o"), "ward_datapath", root, Map.of("ward_ct", 4096), Set.of()))) {
            assertTrue(o.programFd("from_pod") > 0);
            assertTrue(o.programFd("to_pod") > 0);
            assertEquals(4096, dev.ward.bpf.sys.Libbpf.mapInfo(o.mapFd("ward_ct")).maxEntries());
        }
        for (String m : new String[] {"ward_ipcache", "ward_endpoints", "ward_policy", "ward_ct", "ward_frag", "ward_events", "ward_counters", "ward_revision"}) {
            assertTrue(Files.exists(root.resolve(m)), m + " pinned");
        }
        // A second load reuses the pins; one asking for another shape is refused with libbpf's reason.
        BpfObject.load(new BpfObject.Spec(resource("ward_datapath.o"), "ward_datapath", root, Map.of("ward_ct", 4096), Set.of())).close();
        var e = assertThrows(dev.ward.bpf.sys.LibbpfException.class, () -> BpfObject.load(new BpfObject.Spec(resource("ward_datapath.o"),
                "ward_datapath", root, Map.of("ward_ct", 8192), Set.of())));
        assertTrue(e.getMessage().contains("ward_ct") && e.getMessage().contains("pinned"), e.getMessage());
    }

    @Test
    void aRefusedProgramThrowsWithTheVerifiersWholeLog() throws Exception {
        VerifierRejectedException e = assertThrows(VerifierRejectedException.class, () -> BpfObject.load(new BpfObject.Spec(
                resource("refused.o"), "refused", bpffs, Map.of(), Set.of())));
        assertEquals("unchecked_read", e.program());
        String log = e.verifierLog();
        assertTrue(log.contains("invalid access to packet, off=20 size=1"), log);
        assertTrue(log.contains("processed 2 insns"), "the log's last line, so it is whole: " + log);
        assertTrue(e.getMessage().contains(log), "the message shows the log");
        assertTrue(e.getMessage().startsWith("BPF program 'unchecked_read' of refused was refused by the kernel's verifier: Permission denied (EACCES)"),
                e.getMessage());
    }

    @Test
    void aPinRootOffTheBpfFilesystemIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpfFilesystem.pinRoot(Path.of("/tmp/not-bpffs/ward")));
        assertTrue(e.getMessage().startsWith("pin root /tmp/not-bpffs/ward is not on a BPF filesystem"), e.getMessage());
    }

    @Test
    void largeChangesAreWrittenInBatches() {
        try (PodLab lab = PodLab.create(1)) {
            var dp = lab.datapath();
            var w = new dev.ward.bpf.lab.PolicyWorld(lab);
            w.endpoint(1, 1001, "app=server");
            StringBuilder ports = new StringBuilder();
            for (int i = 0; i < 2000; i++) ports.append(i == 0 ? "" : ", ").append("{port: '").append(10000 + 2 * i).append("', protocol: TCP}");
            var r = w.upsert(dev.ward.bpf.TestPolicies.cnp("many", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{toPorts: [{ports: ["
                    + ports + "]}]}]}"));
            assertEquals(2001, r.writes(), "2000 rows and the enforcement flag");
            assertTrue(r.syscalls() <= 4, "written in batches: " + r.syscalls() + " bpf() calls");
            assertEquals(2000, dp.policyEntries("pod1").size());
        }
    }
}

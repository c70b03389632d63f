package dev.ward.bpf.datapath;

import dev.ward.bpf.lab.PodLab;
import dev.ward.bpf.sys.Libbpf;
import dev.ward.netlink.sys.LinuxSyscalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A node upgraded from a Ward whose conntrack entries had another layout: the datapath drops that pinned table (a
 * cache of verdicts) and starts, where it used to refuse to; a pinned map holding state (the ipcache) of another
 * layout still refuses, naming it.
 */
class UpgradeTest {
    private static final int BPF_MAP_TYPE_LRU_HASH = 9, BPF_MAP_TYPE_HASH = 1;
    private PodLab lab;

    @AfterEach
    void close() {
        if (lab != null) lab.close();
    }

    /** Replaces the pin {@code name} with an empty map of type {@code type} and the given sizes. */
    private static void pinOtherLayout(Path pinRoot, String name, int type, int key, int value) throws Exception {
        java.nio.file.Files.delete(pinRoot.resolve(name));
        int fd = Libbpf.createMap(type, name, key, value, 1024, 0);
        try {
            Libbpf.pin(fd, pinRoot.resolve(name).toString());
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    @Test
    void aConntrackTableOfAnotherLayoutIsDroppedAndTheDatapathStarts() throws Exception {
        lab = PodLab.create(1);
        Path pins = lab.config().pinRoot();
        lab.closeDatapath();
        pinOtherLayout(pins, "ward_ct", BPF_MAP_TYPE_LRU_HASH, ConntrackEntry.KEY_SIZE, 40);

        Datapath dp = Datapath.open(lab.config());
        lab.adopt(dp);
        assertNotNull(dp.conntrack(), "the datapath opened over the old pins");
        int fd = Libbpf.getPinned(pins.resolve("ward_ct").toString());
        try {
            assertEquals(ConntrackEntry.VALUE_SIZE, Libbpf.mapInfo(fd).valueSize(), "a conntrack table of this build's layout is pinned");
        } finally {
            LinuxSyscalls.close(fd);
        }
        assertFalse(LoadedPrograms.dropConntrackOfAnotherLayout(pins), "this build's own table stays");
    }

    @Test
    void aStateMapOfAnotherLayoutStillRefusesTheStart() throws Exception {
        lab = PodLab.create(1);
        Path pins = lab.config().pinRoot();
        lab.closeDatapath();
        pinOtherLayout(pins, "ward_endpoints", BPF_MAP_TYPE_HASH, 4, 8);
        RuntimeException e = assertThrows(RuntimeException.class, () -> lab.adopt(Datapath.open(lab.config())));
        assertTrue(String.valueOf(e.getMessage()).contains("ward_endpoints") || e.toString().contains("ward_endpoints"), e.toString());
    }
}

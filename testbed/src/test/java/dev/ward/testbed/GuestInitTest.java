package dev.ward.testbed;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestInitTest {
    @Test
    void scriptKeepsTheHostUntouchedAndReportsTheExitCode() {
        String s = new GuestInit("6.1.176", "/w/scratch", List.of("esp4", "gcm"), List.of("cd /x", "run-tests"), "MARK").script();
        assertTrue(s.contains("mount -t tmpfs tmpfs /w/scratch\n"));
        assertTrue(s.contains("mount -t tmpfs tmpfs /run/netns\n"));
        assertFalse(s.contains("tmpfs /tmp"), "the host's /tmp (where a clone may live) stays visible");
        assertTrue(s.contains("mount --bind /usr/lib/uml/modules/6.1.176 /w/scratch/modroot/lib/modules/6.1.176\n"));
        assertFalse(s.contains("/lib/modules/6.1.176 /lib"), "never mounts onto the host's /lib/modules");
        assertTrue(s.contains("echo /w/scratch/modprobe > /proc/sys/kernel/modprobe\n"));
        assertTrue(s.contains("modprobe -d /w/scratch/modroot -a esp4 gcm\n"));
        assertTrue(s.contains("run-tests || rc=$?\n"));
        assertTrue(s.indexOf("sync\n") < s.indexOf("echo \"MARK $rc\""), "flush hostfs before reporting");
        assertTrue(s.endsWith("poweroff -f\n"));
    }

    @Test
    void exitCodeIsTheLastMarkerLine() {
        assertEquals(3, UserModeLinux.exitCode("boot...\nWARD-GUEST-EXIT 0\nmore\nWARD-GUEST-EXIT 3\r\n", "WARD-GUEST-EXIT"));
        assertNull(UserModeLinux.exitCode("Kernel panic - not syncing\n", "WARD-GUEST-EXIT"));
        assertNull(UserModeLinux.exitCode("echo \"WARD-GUEST-EXIT $rc\"\n", "WARD-GUEST-EXIT"), "the script's own text is not the marker");
    }
}

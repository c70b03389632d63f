package dev.ward.testbed.junit;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Not run by Surefire directly (the name matches none of its patterns): {@link KernelLabTest} runs it inside
 * the guest and expects exactly one pass and one deliberate failure back.
 */
public class GuestProbeCase {
    @Test
    void runsOnTheGuestKernelWithEsp() throws Exception {
        assertTrue("guest".equals(System.getProperty("ward.kernel.lab")), "not started by KernelLab");
        assertTrue(Files.readString(Path.of("/proc/version")).contains("6.1."), "not the UML 6.1 kernel");
    }

    @Test
    void failsOnPurpose() {
        throw new AssertionError("deliberate failure inside the guest");
    }
}

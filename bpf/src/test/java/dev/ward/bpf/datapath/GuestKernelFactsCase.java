package dev.ward.bpf.datapath;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run in the guest beside the datapath tests: proves they ran on the lab's kernel (6.1, BPF interpreted, no
 * kernel BTF) and not on the host's. Only meaningful in the guest (whose JVM {@link dev.ward.testbed.junit.KernelLab}
 * starts with {@code -Dward.kernel.lab=guest}); a host run selecting every class by pattern passes it by.
 */
public class GuestKernelFactsCase {
    @Test
    @EnabledIfSystemProperty(named = "ward.kernel.lab", matches = "guest")
    void theKernelIsUserModeLinux61WithoutJitOrBtf() throws Exception {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        assertTrue(release.startsWith("6.1."), "kernel " + release);
        Path jit = Path.of("/proc/sys/net/core/bpf_jit_enable");
        assertTrue(!Files.exists(jit) || Files.readString(jit).strip().equals("0"), "the guest has no BPF JIT");
        assertFalse(Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "the guest has no kernel BTF");
    }
}

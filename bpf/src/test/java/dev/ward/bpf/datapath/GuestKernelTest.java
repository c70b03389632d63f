package dev.ward.bpf.datapath;

import dev.ward.testbed.junit.KernelLab;
import dev.ward.testbed.junit.KernelLabTests;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The datapath on the kernel the lab's combined scenarios run in: user-mode Linux 6.1, BPF interpreted (no
 * JIT), no kernel BTF. The same test classes as on the host run inside one guest and each reports by name:
 * programs load and attach there, real traffic is enforced, ICMP errors relate, redirects reach a proxy or, while
 * nothing listens on its port, its standby port (the DNS proxy's HA where bpf_sk_assign refuses reuseport sockets),
 * and the interpreter decides every probed point as the verdict table does.
 */
class GuestKernelTest {
    static final List<Class<?>> CASES = List.of(GuestKernelFactsCase.class, DatapathTrafficTest.class, ConntrackTest.class,
            ProxyRedirectTest.class, ProxyStandbyTest.class, VerdictEquivalenceTest.class);

    @TestFactory
    Stream<DynamicTest> onUserModeLinux61() throws Exception {
        String umid = "wbg" + Long.toString(ProcessHandle.current().pid(), 36);
        KernelLab lab = new KernelLab(umid, Path.of("target", "kernel-lab"), Duration.ofMinutes(15));
        return KernelLabTests.of(lab.runInGuest(CASES), "in user-mode Linux 6.1");
    }
}

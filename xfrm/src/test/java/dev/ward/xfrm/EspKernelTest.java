package dev.ward.xfrm;

import dev.ward.testbed.junit.KernelLab;
import dev.ward.testbed.junit.KernelLabTests;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs the tests that need ESP on a kernel that has it: this host's if it does, otherwise one user-mode Linux
 * guest for all of them. Each test appears in the report by name; a failure or a guest that does not boot
 * fails the build.
 */
class EspKernelTest {
    static final List<Class<?>> CASES = List.of(XfrmStateEspCase.class);

    @TestFactory
    Stream<DynamicTest> onAKernelWithEsp() throws Exception {
        KernelEspSupport host = KernelEspSupport.ofRunningKernel();
        return KernelLabTests.run(new KernelLab("wx-xfrm-lab", Path.of("target", "kernel-lab"), Duration.ofMinutes(10)), CASES, host.sufficient(), host.describe());
    }
}

package dev.ward.lab;

import dev.ward.testbed.junit.KernelLab;
import dev.ward.testbed.junit.KernelLabTests;
import dev.ward.xfrm.KernelEspSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** Runs the lab's ESP cases on a kernel with ESP (the host's, or one user-mode Linux guest). */
class LabEspKernelTest {
    @TestFactory
    Stream<DynamicTest> onAKernelWithEsp() throws Exception {
        List<Class<?>> cases = List.of(XfrmSelfCheckEspCase.class);
        KernelEspSupport host = KernelEspSupport.ofRunningKernel();
        return KernelLabTests.run(new KernelLab("wx-lab-uml", Path.of("target", "kernel-lab"), Duration.ofMinutes(10)), cases, host.sufficient(), host.describe());
    }
}

package dev.ward.agent.encryption.kernel;

import dev.ward.testbed.junit.KernelLab;
import dev.ward.testbed.junit.KernelLabTests;
import dev.ward.xfrm.KernelEspSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs the encryption dataplane's kernel cases where ESP is: on this host if its kernel has it, otherwise in
 * one user-mode Linux guest for all of them. Each case appears in the report by name.
 */
class EncryptionKernelTest {
    static final List<Class<?>> CASES = List.of(EncryptionDataplaneEspCase.class);

    @TestFactory
    Stream<DynamicTest> onAKernelWithEsp() throws Exception {
        KernelEspSupport host = KernelEspSupport.ofRunningKernel();
        return KernelLabTests.run(new KernelLab("k4-encryption-lab", Path.of("target", "kernel-lab"), Duration.ofMinutes(10)),
                CASES, host.sufficient(), host.describe());
    }
}

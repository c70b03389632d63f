package dev.ward.xfrm;

import dev.ward.netlink.Errno;
import dev.ward.netlink.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host kernel is the real case of "a kernel without ESP": its symbol table says what it lacks, and an SA
 * add must then fail with the specific exception and the kernel's own reason. On a host with ESP the same
 * SAs must install instead, so this test checks something either way.
 */
class EspUnavailableTest {
    private static final String NS = "wx-noesp";
    private XfrmClient xfrm;

    @BeforeEach
    void open() {
        NetworkNamespace.create(NS);
        xfrm = XfrmClient.open(NS);
    }

    @AfterEach
    void close() {
        xfrm.close();
        NetworkNamespace.delete(NS);
    }

    @Test
    void saAddMatchesWhatTheKernelHas() {
        KernelEspSupport kernel = KernelEspSupport.ofRunningKernel();
        SecurityAssociation gcm = Samples.everyKindOfSa().getFirst();
        SecurityAssociation cbc = Samples.everyKindOfSa().get(2);
        if (kernel.sufficient()) {
            xfrm.add(gcm);
            xfrm.add(cbc);
            assertEquals(2, xfrm.states().size());
            return;
        }
        if (!kernel.aesGcm()) {
            EspUnavailableException e = assertThrows(EspUnavailableException.class, () -> xfrm.add(gcm));
            assertEquals(Errno.ENOSYS, e.errno());
            assertTrue(e.getMessage().startsWith("SA spi 0x00001000 10.90.0.1->10.90.0.2: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("(ENOSYS); this kernel lacks the SA's crypto algorithm"), e.getMessage());
        }
        if (!kernel.esp()) {
            EspUnavailableException e = assertThrows(EspUnavailableException.class, () -> xfrm.add(cbc));
            assertEquals(Errno.EPROTONOSUPPORT, e.errno());
            assertTrue(e.getMessage().endsWith("(EPROTONOSUPPORT); this kernel has no ESP (esp4/esp6 not built or loaded)"), e.getMessage());
        }
        assertEquals(List.of(), xfrm.states(), "nothing half-installed");
    }
}

package dev.ward.xfrm;

import org.junit.jupiter.api.Test;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelEspSupportTest {
    @Test
    void moduleAndBuiltinSymbolsCount() {
        KernelEspSupport s = KernelEspSupport.fromSymbols(Stream.of(
                "0000000000000000 t esp_input\t[esp4]",
                "0000000000000000 t crypto_rfc4106_create\t[gcm]",
                "ffffffff820ba600 t xfrm_user_rcv_msg"));
        assertTrue(s.sufficient());
        KernelEspSupport none = KernelEspSupport.fromSymbols(Stream.of("ffffffff820ba600 t xfrm_user_rcv_msg", "x t esp_input_done2"));
        assertFalse(none.sufficient());
        assertEquals("kernel lacks ESP (esp4) and rfc4106(gcm(aes))", none.describe());
    }
}

package dev.ward.cli.lab;

import dev.ward.cli.CliExit;
import dev.ward.cli.Ward;
import dev.ward.netlink.NetworkNamespace;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ward lab} as the README runs it: on this host that means booting a guest unless the host has ESP. */
class WardLabCommandTest {
    @Test
    void selfCheckPassesAndSaysWhy() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = CliExit.execute(new Ward(), null, new PrintWriter(err, true), "lab", "--prefix", "wx-wardlab", "--work-dir", "target/ward-lab");
        } finally {
            System.setOut(saved);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err);
        assertTrue(text.contains("PASS  the wire carried ESP, not plaintext: 20 ESP packets spi 0x00001001"), text);
        assertTrue(text.contains("PASS  a wrong key is rejected and counted"), text);
        assertTrue(text.lines().anyMatch("PASS: xfrm self-check"::equals), text);
        assertFalse(NetworkNamespace.exists("wx-wardlab-a"));
    }
}

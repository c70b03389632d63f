package dev.ward.lab;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class SelfCheckReportTest {
    @Test
    void oneFailureFailsTheVerdictAndEmptyIsNotAPass() {
        assertFalse(new SelfCheckReport().passed());
        SelfCheckReport r = new SelfCheckReport();
        r.check("a", true, "fine");
        r.check("b", false, "3 of 20 lost");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.print(new PrintStream(out, true));
        assertEquals("PASS  a: fine\nFAIL  b: 3 of 20 lost\nFAIL: xfrm self-check\n", out.toString());
    }
}

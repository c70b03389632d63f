package dev.ward.cli.lab;

import dev.ward.cli.CliExit;
import dev.ward.cli.Ward;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ward lab}'s command line. The lab itself runs end to end in scripts/test (one guest boot for every
 * scenario, its JUnit XML beside these reports); here: bad input is refused before anything is booted.
 */
class WardLabCommandTest {
    @Test
    void aPrefixThatCannotNameLinksIsRefusedBeforeAnyGuestBoots() {
        Path work = Path.of("target", "ward-lab-refused");
        StringWriter err = new StringWriter();
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = CliExit.execute(new Ward(), null, new PrintWriter(err, true), "lab", "--prefix", "much-too-long", "--work-dir", work.toString());
        } finally {
            System.setOut(saved);
        }
        assertEquals(1, code, out.toString(StandardCharsets.UTF_8) + err);
        assertTrue(err.toString().contains("lab prefix \"much-too-long\" must be 1 to 9 characters"), err.toString());
        assertFalse(Files.exists(work.resolve("console.log")), "no guest was booted");
    }
}

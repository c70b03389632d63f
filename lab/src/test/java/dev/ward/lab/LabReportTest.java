package dev.ward.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabReportTest {
    @Test
    void oneFailedScenarioFailsTheRunAndAnEmptyRunIsNoPass() {
        assertFalse(new LabReport().passed());
        LabReport r = report();
        assertFalse(r.passed());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.printTable(new PrintStream(out, true));
        assertEquals("""
                SCENARIO       RESULT   SECONDS  WHY IT FAILED
                1 ping         PASS         1.5 \s
                2 capture <x>  FAIL         0.3  3 plaintext "ICMP" & more
                FAIL: 1 of 2 scenarios failed
                """, out.toString());
    }

    @Test
    void writesTheScenariosAsJunitXmlWithFailuresAndEvidenceEscaped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("reports/TEST-ward-lab.xml");
        report().writeJunitXml(file, "ward-lab");
        String xml = Files.readString(file);
        assertTrue(xml.contains("<testsuite name=\"ward-lab\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.8\">"), xml);
        assertTrue(xml.contains("<testcase classname=\"ward-lab\" name=\"2 capture &lt;x&gt;\" time=\"0.3\">"), xml);
        assertTrue(xml.contains("<failure message=\"3 plaintext &quot;ICMP&quot; &amp; more\"/>"), xml);
        assertTrue(xml.contains("<system-out>24 of 24 answered</system-out>"), xml);
        var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        assertEquals(2, doc.getElementsByTagName("testcase").getLength());
        assertEquals(1, doc.getElementsByTagName("failure").getLength());
    }

    private static LabReport report() {
        LabReport r = new LabReport();
        r.add(new LabReport.Scenario("1 ping", true, Duration.ofMillis(1500), List.of("24 of 24 answered"), null));
        r.add(new LabReport.Scenario("2 capture <x>", false, Duration.ofMillis(300), List.of("FAIL  3 plaintext"), "3 plaintext \"ICMP\" & more"));
        return r;
    }
}

package dev.ward.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code wardctl completion bash|zsh}: the scripts complete commands in a real bash and a real zsh. */
class CompletionTest {
    @TempDir
    Path tmp;

    @Test
    void bashCompletesSubcommandsAtEveryDepth() throws Exception {
        Path script = script("bash");
        assertEquals(List.of("init"), bashComplete(script, "wardctl", "ca", "i"));
        List<String> node = bashComplete(script, "wardctl", "node", "re");
        assertTrue(node.containsAll(List.of("revoke", "readmit")), node.toString());
        assertTrue(bashComplete(script, "wardctl", "node", "token", "create", "--t").contains("--ttl"));
    }

    @Test
    void zshCompletesThroughItsBashCompatibility() throws Exception {
        Path script = script("zsh");
        // An interactive zsh on a pseudo-terminal (zpty), as a user's: type, press TAB, read the line back.
        String driver = """
                zmodload zsh/zpty
                zpty z 'TERM=dumb zsh -f -i'
                zpty -w z 'PS1="> "; source %s; print READY'
                sleep 2
                zpty -w -n z $'wardctl node rev\\t'
                sleep 2
                zpty -w z ''
                sleep 1
                out=""
                while zpty -r -t z chunk; do out+="$chunk"; done
                print -r -- "$out"
                zpty -d z
                """.formatted(script);
        Path file = Files.writeString(tmp.resolve("drive.zsh"), driver);
        String out = run(List.of("zsh", "-f", file.toString()));
        assertTrue(out.contains("READY"), "the script loads in zsh:\n" + out);
        assertTrue(out.contains("wardctl node revoke "), "TAB completed 'rev' to 'revoke':\n" + out);
    }

    private Path script(String shell) throws IOException {
        CliRun r = CliRun.wardctl("completion", shell);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("complete -F _complete_wardctl"), r.out());
        return Files.writeString(tmp.resolve("wardctl." + shell), r.out());
    }

    /** What bash offers for the last word, as it would on TAB (the completion function called as bash calls it). */
    private List<String> bashComplete(Path script, String... words) throws Exception {
        String line = String.join(" ", words);
        String program = "source " + script + "\n"
                + "COMP_WORDS=(" + line + "); COMP_CWORD=" + (words.length - 1) + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}\n"
                + "_complete_wardctl\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        return run(List.of("bash", "--norc", "-c", program)).lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), command + " did not finish");
        return new String(out, StandardCharsets.UTF_8);
    }
}

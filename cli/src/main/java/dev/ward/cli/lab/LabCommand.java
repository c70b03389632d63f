package dev.ward.cli.lab;

import dev.ward.cli.CommandFailure;
import dev.ward.lab.XfrmLab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code ward lab}: for now the xfrm self-check (two namespaces, Ward-programmed ESP, proof on the wire). */
@Command(name = "lab", description = "Run the lab on this machine: for now an xfrm (ESP) self-check between two network "
        + "namespaces, inside user-mode Linux when the host kernel lacks ESP. Prints PASS/FAIL; exits non-zero on FAIL.")
public final class LabCommand implements Runnable {
    @Option(names = "--work-dir", defaultValue = "lab-out", description = "Where guest logs and reports go (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--prefix", defaultValue = "ward-lab", description = "Prefix of the lab's namespace and guest names (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Override
    public void run() {
        int code;
        try {
            code = new XfrmLab(prefix, workDir).run(System.out);
        } catch (java.io.IOException e) {
            throw new CommandFailure("lab: " + e.getMessage());
        }
        if (code != 0) throw new CommandFailure("xfrm self-check failed (see the FAIL lines above)");
    }
}

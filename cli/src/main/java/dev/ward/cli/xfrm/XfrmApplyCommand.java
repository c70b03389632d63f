package dev.ward.cli.xfrm;

import dev.ward.cli.CommandFailure;
import dev.ward.cli.InputFile;
import dev.ward.xfrm.XfrmBatchResult;
import dev.ward.xfrm.XfrmClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * Installs SAs and policies from a JSON file, for debugging and labs (Ward's agents program xfrm themselves).
 * Invalid input installs nothing; kernel refusals are reported one line each and the rest stay installed.
 */
@Command(name = "apply", description = "Install the SAs and policies in FILE (JSON: {\"states\": [...], \"policies\": [...]}).")
final class XfrmApplyCommand implements Runnable {
    @Mixin NetnsOption ns;
    @Parameters(paramLabel = "FILE") Path file;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        String json;
        try {
            json = InputFile.read(file, "JSON");
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + file + ": " + e.getMessage());
        }
        XfrmSpecReader.Spec doc;
        try {
            doc = XfrmSpecReader.read(json);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(file + ": " + e.getMessage());
        }
        try (XfrmClient xfrm = XfrmClient.open(ns.netns())) {
            XfrmBatchResult<?> sas = xfrm.addAll(doc.states());
            XfrmBatchResult<?> pols = xfrm.addAllPolicies(doc.policies());
            int refused = sas.failures().size() + pols.failures().size();
            PrintWriter err = spec.commandLine().getErr();
            if (refused == 1) {
                throw (sas.failures().isEmpty() ? pols.failures() : sas.failures()).getFirst().error();
            }
            if (refused > 1) {
                sas.failures().forEach(f -> err.println("wardctl: " + f.error().getMessage()));
                pols.failures().forEach(f -> err.println("wardctl: " + f.error().getMessage()));
                err.flush();
                throw new CommandFailure(refused + " of " + (doc.states().size() + doc.policies().size())
                        + " refused by the kernel (listed above); the rest are installed");
            }
            spec.commandLine().getOut().println("installed " + sas.requested() + " SAs and " + pols.requested() + " policies");
            spec.commandLine().getOut().flush();
        }
    }
}

package dev.ward.cli.xfrm;

import dev.ward.cli.OutputOption;
import dev.ward.xfrm.XfrmClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.List;

@Command(name = "states", description = "List the kernel's IPsec SAs (xfrm state), without keys.")
final class XfrmStatesCommand implements Runnable {
    @Mixin OutputOption out;
    @Mixin NetnsOption ns;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        try (XfrmClient xfrm = XfrmClient.open(ns.netns())) {
            List<XfrmViews.SaRow> rows = xfrm.states().stream().map(XfrmViews::row).toList();
            spec.commandLine().getOut().print(out.json() ? OutputOption.toJson(rows) + "\n" : XfrmViews.saTable(rows).render());
            spec.commandLine().getOut().flush();
        }
    }
}

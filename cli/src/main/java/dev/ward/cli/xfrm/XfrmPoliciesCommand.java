package dev.ward.cli.xfrm;

import dev.ward.cli.OutputOption;
import dev.ward.xfrm.XfrmClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.List;

@Command(name = "policies", description = "List the kernel's IPsec policies (xfrm policy).")
final class XfrmPoliciesCommand implements Runnable {
    @Mixin OutputOption out;
    @Mixin NetnsOption ns;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        try (XfrmClient xfrm = XfrmClient.open(ns.netns())) {
            List<XfrmViews.PolicyRow> rows = xfrm.policies().stream().map(XfrmViews::row).toList();
            spec.commandLine().getOut().print(out.json() ? OutputOption.toJson(rows) + "\n" : XfrmViews.policyTable(rows).render());
            spec.commandLine().getOut().flush();
        }
    }
}

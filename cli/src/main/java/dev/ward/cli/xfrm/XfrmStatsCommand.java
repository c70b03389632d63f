package dev.ward.cli.xfrm;

import dev.ward.cli.OutputOption;
import dev.ward.xfrm.XfrmClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.Map;

@Command(name = "stats", description = "Print the kernel's xfrm error counters (/proc/net/xfrm_stat).")
final class XfrmStatsCommand implements Runnable {
    @Mixin OutputOption out;
    @Mixin NetnsOption ns;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        try (XfrmClient xfrm = XfrmClient.open(ns.netns())) {
            Map<String, Long> counters = XfrmViews.counters(xfrm.errorCounters());
            spec.commandLine().getOut().print(out.json() ? OutputOption.toJson(counters) + "\n" : XfrmViews.counterTable(counters).render());
            spec.commandLine().getOut().flush();
        }
    }
}

package dev.ward.cli.xfrm;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code wardctl xfrm}: the kernel's IPsec tables as Ward sees them. */
@Command(name = "xfrm", description = "Inspect the kernel's IPsec SAs, policies and error counters.",
        subcommands = {XfrmStatesCommand.class, XfrmPoliciesCommand.class, XfrmStatsCommand.class, XfrmApplyCommand.class})
public final class XfrmCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: states, policies, stats or apply");
    }
}

package dev.ward.cli.policy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code wardctl policy}: check policy files, explain verdicts, show an endpoint's verdict table. */
@Command(name = "policy",
        mixinStandardHelpOptions = true,
        description = "Validate network policies, trace flows through them, show verdict tables.",
        subcommands = {ValidateCommand.class, TraceCommand.class, GetCommand.class})
public final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (validate, trace, get)");
    }
}

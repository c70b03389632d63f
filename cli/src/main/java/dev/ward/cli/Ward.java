package dev.ward.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Ward's daemons and the lab. Subcommands register themselves in {@code subcommands}. */
@Command(name = "ward",
        mixinStandardHelpOptions = true,
        versionProvider = WardVersion.class,
        description = "Run Ward's daemons (keyd, agent, dnsproxy) and the lab.",
        subcommands = {
                CommandLine.HelpCommand.class,
                dev.ward.cli.lab.LabCommand.class,
                dev.ward.cli.identity.KeydCommand.class,
                dev.ward.cli.identity.AgentCommand.class,
                dev.ward.cli.dns.DnsProxyCommand.class,
        })
public final class Ward implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    public static void main(String[] args) {
        System.exit(CliExit.execute(new Ward(), args));
    }
}

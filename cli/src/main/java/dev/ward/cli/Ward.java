package dev.ward.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Ward's daemons and the lab. Subcommands register themselves in {@code subcommands}. */
// scope INHERIT: every subcommand, at any depth and whichever branch adds it, gets -h/--help, --version and
// the version provider from here, by picocli itself.
@Command(name = "ward", scope = CommandLine.ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = WardVersion.class,
        // Examples and flag descriptions read better at 100 columns than wrapped at picocli's default 80.
        usageHelpWidth = 100,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {CliExit.OK_LINE, CliExit.FAILURE_LINE, CliExit.USAGE_LINE},
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

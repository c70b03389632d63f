package dev.ward.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The operator's CLI. Subcommands register themselves in {@code subcommands}. */
// scope INHERIT: every subcommand, at any depth and whichever branch adds it, gets -h/--help, --version and
// the version provider from here, by picocli itself.
@Command(name = "wardctl", scope = CommandLine.ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = WardVersion.class,
        // Examples and flag descriptions read better at 100 columns than wrapped at picocli's default 80.
        usageHelpWidth = 100,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {CliExit.OK_LINE, CliExit.FAILURE_LINE, CliExit.USAGE_LINE},
        description = "Operate a Ward cluster: identities, keys, xfrm state and policy.",
        subcommands = {
                CommandLine.HelpCommand.class,
                dev.ward.cli.xfrm.XfrmCommand.class,
                dev.ward.cli.identity.CaCommand.class,
                dev.ward.cli.identity.NodeCommand.class,
                dev.ward.cli.identity.SvidCommand.class,
                dev.ward.cli.policy.PolicyCommand.class,
                dev.ward.cli.dns.FqdnCommand.class,
                dev.ward.cli.encryption.KeysCommand.class,
                dev.ward.cli.encryption.EncryptionCommand.class,
                dev.ward.cli.endpoints.EndpointCommand.class,
                dev.ward.cli.status.StatusCommand.class,
                CompletionCommand.class,
                dev.ward.cli.flows.MonitorCommand.class,
        })
public final class Wardctl implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    public static void main(String[] args) {
        System.exit(CliExit.execute(new Wardctl(), args));
    }
}

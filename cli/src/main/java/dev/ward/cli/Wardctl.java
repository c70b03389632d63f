package dev.ward.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The operator's CLI. Subcommands register themselves in {@code subcommands}. */
@Command(name = "wardctl",
        mixinStandardHelpOptions = true,
        versionProvider = WardVersion.class,
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

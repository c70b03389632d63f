package dev.ward.cli.identity;

import dev.ward.agent.encryption.agent.EncryptionAgentConfig;
import dev.ward.cli.encryption.EncryptionOptions;
import dev.ward.keyd.agent.NodeIdentityAgent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/** {@code ward agent}: the node agent. It keeps the node's identity and, with {@code --underlay-ip}, encrypts between nodes. */
@Command(name = "agent", description = {
        "Run the node agent: bootstrap this node's SVID into --state-dir and keep it renewed.",
        "With --underlay-ip, --pod-cidr and --cluster-cidr it also encrypts pod traffic between nodes (IPsec ESP)."})
public final class AgentCommand implements Runnable {
    @Mixin IdentityOptions identity;
    @Mixin EncryptionOptions encryption;

    @Override
    public void run() {
        if (identity.node() == null || identity.node().isBlank()) throw new dev.ward.cli.CommandFailure("--node is required (or set NODE_NAME)");
        EncryptionAgentConfig encryptionConfig = encryption.config(identity.node(), Clock.systemUTC());
        NodeIdentityAgent agent = identity.start();
        System.out.println("node " + agent.identity() + " has SVID " + agent.current() + " in its state directory");
        EncryptionOptions.Running encrypting;
        try {
            encrypting = encryptionConfig == null ? null
                    : encryption.start(encryptionConfig, agent, identity.stateDir(), identity.store().location());
        } catch (RuntimeException e) {
            agent.close();
            identity.close();
            throw e;
        }
        if (encrypting != null) {
            System.out.println("node " + identity.node() + " encrypts pod traffic at epoch " + encrypting.agent().currentEpoch());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (encrypting != null) encrypting.close();
            agent.close();
            identity.close();
            stopped.countDown();
        }));
        KeydCommand.awaitQuietly(stopped);
    }
}

package dev.ward.cli.identity;

import dev.ward.keyd.agent.NodeIdentityAgent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.CountDownLatch;

/** {@code ward agent}: the node agent. For now it keeps the node's identity; other features attach to it. */
@Command(name = "agent", description = "Run the node agent: bootstrap this node's SVID into --state-dir and keep it renewed.")
public final class AgentCommand implements Runnable {
    @Mixin IdentityOptions identity;

    @Override
    public void run() {
        NodeIdentityAgent agent = identity.start();
        System.out.println("node " + agent.identity() + " has SVID " + agent.current() + " in its state directory");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            identity.close();
            stopped.countDown();
        }));
        KeydCommand.awaitQuietly(stopped);
    }
}

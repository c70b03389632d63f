package dev.ward.agent.datapath;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link BpfAgent} in its own JVM, so a test can kill it with SIGKILL as a crash would, or stop it with SIGTERM as
 * an upgrade does. Args: netns pinRoot dir reconcileSeconds. Prints "ready" once it serves its socket.
 */
public final class BpfAgentProcess {
    private BpfAgentProcess() {}

    public static void main(String[] args) throws Exception {
        BpfAgent agent = BpfAgent.start(args[0], Path.of(args[1]), Path.of(args[2]), Duration.ofSeconds(Long.parseLong(args[3])), c -> c);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }));
        System.out.println("ready");
        System.out.flush();
        stopped.await();
    }
}

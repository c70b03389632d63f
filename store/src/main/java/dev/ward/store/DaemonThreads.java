package dev.ward.store;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * keyd's and the agent's background threads: named (so thread dumps and log lines say what they are) and daemon
 * (so a forgotten close never keeps a CLI process alive).
 */
public final class DaemonThreads {
    private DaemonThreads() {}

    public static ScheduledExecutorService single(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}

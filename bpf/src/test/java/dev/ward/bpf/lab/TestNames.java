package dev.ward.bpf.lab;

import java.util.concurrent.atomic.AtomicInteger;

/** Names unique to this test run on a host other runs share: namespaces carry the JVM's pid. */
public final class TestNames {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final String RUN = "wb" + Long.toString(ProcessHandle.current().pid(), 36);

    private TestNames() {}

    public static String next() {
        return RUN + "-" + NEXT.incrementAndGet();
    }
}

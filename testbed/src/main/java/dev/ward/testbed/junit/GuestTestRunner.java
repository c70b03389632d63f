package dev.ward.testbed.junit;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs JUnit test classes through the JUnit Platform and records every test's outcome. Used inside a guest
 * kernel ({@link #main}) and, when the host kernel suffices, in the test JVM itself ({@link #run}).
 */
public final class GuestTestRunner {
    private GuestTestRunner() {}

    /** {@code main(resultsFile, className...)}. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        List<GuestTestResult> results = run(List.of(args).subList(1, args.length));
        try (var ch = java.nio.channels.FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(GuestTestResults.format(results).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            ch.force(true); // the guest powers off right after; hostfs must have the bytes by then
        }
        long failed = results.stream().filter(r -> r.status() != GuestTestResult.Status.PASSED).count();
        System.out.println("guest tests: " + (results.size() - failed) + " passed, " + failed + " failed or skipped");
    }

    private static LauncherDiscoveryRequest request(List<String> classNames) throws ClassNotFoundException {
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request();
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        for (String c : classNames) b.selectors(selectClass(Class.forName(c, false, cl)));
        return b.build();
    }

    public static List<GuestTestResult> run(List<String> classNames) throws ClassNotFoundException {
        Launcher launcher = LauncherFactory.create();
        Recorder recorder = new Recorder();
        launcher.execute(request(classNames), recorder);
        return recorder.results();
    }

    private static final class Recorder implements TestExecutionListener {
        private final Map<String, Long> started = new ConcurrentHashMap<>();
        private final List<GuestTestResult> results = Collections.synchronizedList(new ArrayList<>());

        List<GuestTestResult> results() {
            return List.copyOf(results);
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.getSource().isEmpty()) return;
            results.add(new GuestTestResult(className(id), name(id), GuestTestResult.Status.SKIPPED, 0, "skipped: " + reason, null));
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult r) {
            boolean classLevelFailure = id.isContainer() && r.getStatus() != TestExecutionResult.Status.SUCCESSFUL
                    && id.getSource().orElse(null) instanceof ClassSource;
            if (!id.isTest() && !classLevelFailure) return;
            long millis = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
            GuestTestResult.Status status = switch (r.getStatus()) {
                case SUCCESSFUL -> GuestTestResult.Status.PASSED;
                case ABORTED -> GuestTestResult.Status.SKIPPED;
                case FAILED -> GuestTestResult.Status.FAILED;
            };
            Throwable t = r.getThrowable().orElse(null);
            results.add(new GuestTestResult(className(id), classLevelFailure ? "(class setup)" : name(id), status, millis,
                    t == null ? null : t.getClass().getName() + ": " + t.getMessage(), t == null ? null : trace(t)));
        }

        private static String className(TestIdentifier id) {
            return switch (id.getSource().orElse(null)) {
                case MethodSource m -> m.getClassName();
                case ClassSource c -> c.getClassName();
                case null, default -> "unknown";
            };
        }

        private static String name(TestIdentifier id) {
            return id.getSource().orElse(null) instanceof MethodSource m ? m.getMethodName() + displaySuffix(id, m) : id.getDisplayName();
        }

        /** Parameterized and repeated tests share a method name; keep their display name apart. */
        private static String displaySuffix(TestIdentifier id, MethodSource m) {
            String d = id.getDisplayName();
            return d.startsWith(m.getMethodName() + "(") ? "" : " [" + d + "]";
        }

        private static String trace(Throwable t) {
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            return w.toString();
        }
    }
}

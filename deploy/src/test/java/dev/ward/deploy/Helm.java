package dev.ward.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real helm binary, rendering Ward's chart ({@code helm template}) as {@code helm install} would before it
 * applies anything. scripts/install-helm puts it at /opt/ward-tools/bin/helm ($WARD_HELM overrides).
 */
final class Helm {
    static final Path CHART = ManifestsTest.DEPLOY.resolve("helm/ward");
    static final String NAMESPACE = "ward-system";

    /** A finished helm command. */
    record Result(int exit, String stdout, String stderr) {
        String requireSuccess(List<String> args) {
            if (exit != 0) throw new AssertionError("helm " + String.join(" ", args) + " exited " + exit + ": " + stderr);
            return stdout;
        }
    }

    private Helm() {}

    static Path binary() {
        String env = System.getenv("WARD_HELM");
        Path helm = env != null && !env.isBlank() ? Path.of(env) : Path.of("/opt/ward-tools/bin/helm");
        if (!Files.isExecutable(helm)) {
            throw new AssertionError("no helm at " + helm + ": run scripts/install-deps (it runs scripts/install-helm), or set WARD_HELM");
        }
        return helm;
    }

    /** {@code helm template ward CHART --namespace NAMESPACE --include-crds ARGS}: the objects an install creates. */
    static String template(String namespace, String... args) {
        List<String> all = new ArrayList<>(List.of("template", "ward", CHART.toString(), "--namespace", namespace, "--include-crds"));
        all.addAll(List.of(args));
        return run(all).requireSuccess(all);
    }

    static Result run(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(binary().toString()));
        cmd.addAll(args);
        try {
            Path out = Files.createTempFile("helm-", ".out"), err = Files.createTempFile("helm-", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("helm " + String.join(" ", args) + " did not finish within 60 s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.delete(out);
                Files.delete(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

package dev.ward.cli.lab;

import dev.ward.cli.Examples;
import dev.ward.cli.CommandFailure;
import dev.ward.lab.EncryptionBenchmark;
import dev.ward.lab.EncryptionLab;
import dev.ward.lab.GuestLab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** {@code ward lab}: a three-node encrypted cluster on this machine and the scenarios that prove the encryption. */
@Command(name = "lab", footerHeading = Examples.HEADING, footer = {
                "  ward lab",
                "  ward lab --only 7,8                            # some scenarios (cluster up always runs)",
                "  ward lab --work-dir /tmp/lab --prefix w2      # beside another lab"},
        description = "Run the lab: 3 nodes in network namespaces on an underlay bridge, 2 pods each wired through the CNI "
        + "plugins (ptp, then Ward's), real etcd, keyd and one agent per node with the BPF datapath; scenarios: cross-node traffic, ESP-only "
        + "underlay, rotation without loss, a never-attested node cut off, Star Wars rule1 enforced from a new pod's first packet, policy "
        + "changes under traffic within 1 s, agent kill -9 without loss or leak, L7 rules (HTTP, memcached, Kafka, Cassandra) on real "
        + "servers, DNS rules and toFQDNs with a real unbound and the standalone DNS proxy while the agent is down, Kafka behind a DNS name, revocation within 5 s. Inside user-mode Linux when the host "
        + "kernel lacks ESP (about 8 minutes). Prints a PASS/FAIL table; exits non-zero on any FAIL.")
public final class LabCommand implements Runnable {
    @Option(names = "--work-dir", defaultValue = "lab-out", description = "Where logs, the underlay capture and reports go (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--prefix", defaultValue = "ward", description = "Prefix (1-9 characters) of the lab's namespace, link and guest names (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--bench", description = "Run the encryption benchmark (bench/encryption) instead of the scenarios.")
    boolean bench;

    @Option(names = "--junit-xml", description = "Also write the scenarios as a JUnit XML report here (default: WORK_DIR/junit.xml only).")
    Path junitXml;

    @Option(names = "--only", split = ",", paramLabel = "N", description = {
            "Run only these scenarios (by number, e.g. --only 7,8,6), after cluster up (0), which they stand on: for working on one."})
    List<Integer> only;

    @Override
    public void run() {
        if (bench) {
            runBenchmark();
            return;
        }
        int code;
        try {
            Files.deleteIfExists(workDir.resolve("junit.xml"));
            if (only != null && !EncryptionLab.SCENARIOS.containsAll(only)) {
                throw new CommandFailure("lab --only " + only + ": the lab's scenarios are " + EncryptionLab.SCENARIOS + " (0, cluster up, always runs)");
            }
            List<String> extra = only == null ? List.of() : List.of(String.join(",", only.stream().map(String::valueOf).toList()));
            // Cassandra's own class path (scenario 11), resolved here: the guest's one CPU would take a minute.
            if (only == null || only.contains(11)) dev.ward.lab.LabCassandra.resolve(workDir);
            code = guest().run(EncryptionLab.class, "the encryption lab", extra, System.out);
            Path report = workDir.resolve("junit.xml");
            if (junitXml != null && Files.exists(report)) {
                if (junitXml.toAbsolutePath().getParent() != null) Files.createDirectories(junitXml.toAbsolutePath().getParent());
                Files.copy(report, junitXml, StandardCopyOption.REPLACE_EXISTING);
            }
            if (!Files.exists(report)) throw new CommandFailure("the lab wrote no report (exit " + code + "); see " + workDir.resolve("console.log"));
        } catch (IOException e) {
            throw new CommandFailure("lab: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("lab: interrupted");
        }
        if (code != 0) throw new CommandFailure("the lab failed (see the FAIL lines and the table above)");
    }

    private GuestLab guest() {
        try {
            return new GuestLab(prefix, workDir);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }

    private void runBenchmark() {
        int code;
        try {
            code = guest().run(EncryptionBenchmark.class, "the encryption benchmark", List.of(), System.out);
        } catch (IOException e) {
            throw new CommandFailure("lab --bench: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("lab --bench: interrupted");
        }
        if (code != 0) throw new CommandFailure("a benchmark measurement failed (see the FAIL lines above)");
    }
}

package dev.ward.cli.encryption;

import dev.ward.cli.Examples;
import dev.ward.agent.encryption.store.AnnouncementEvent;
import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.RotationRequest;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.OutputOption;
import dev.ward.cli.identity.Durations;
import dev.ward.cli.identity.StoreOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wardctl keys}: the encryption keys of the nodes. */
@Command(name = "keys", description = "Rotate and inspect the nodes' encryption keys.",
        subcommands = {KeysCommand.Rotate.class, KeysCommand.Status.class})
public final class KeysCommand {
    /** One node as {@code keys status} reports it. */
    public record KeyRow(String node, long epoch, int peers, int sasInstalled, List<String> pendingAcks,
                         Instant lastRotation, Instant updatedAt) {}

    @Command(name = "rotate", footerHeading = Examples.HEADING, footer = {
                "  wardctl keys rotate --all --store k8s",
                "  wardctl keys rotate --node worker-1 --store etcd://10.0.0.1:2379"},
        description = "Ask one node (--node) or every node (--all) to start a new key epoch now.")
    static final class Rotate implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        static final class Target {
            @Option(names = "--node", paramLabel = "NODE", description = "The node to rotate.") String node;
            @Option(names = "--all", description = "Rotate every node.") boolean all;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Override
        public void run() {
            try (EncryptionStore s = EncryptionRecords.open(store)) {
                Optional<String> node = Optional.ofNullable(target.node);
                if (node.isPresent()) {
                    Optional<AnnouncementEvent> announced;
                    try {
                        announced = s.announcement(node.get());
                    } catch (IllegalArgumentException e) {
                        throw new CommandFailure("--node: " + e.getMessage());
                    }
                    if (announced.isEmpty()) {
                        throw new CommandFailure("node " + node.get() + " has no encryption announcement in " + s.describe()
                                + ": is its agent running with --underlay-ip?");
                    }
                }
                RotationRequest request = s.requestRotation(node);
                if (out.json()) {
                    System.out.println(OutputOption.toJson(new RequestRow(node.orElse(null), request.sequence(), request.requestedAt())));
                } else {
                    System.out.println("rotation requested for " + request.target() + " (request " + request.sequence() + ")");
                }
            }
        }
    }

    record RequestRow(String node, long sequence, Instant requestedAt) {}

    @Command(name = "status", footerHeading = Examples.HEADING, footer = {
                "  wardctl keys status --store k8s",
                "  wardctl keys status -o json --store etcd://10.0.0.1:2379"},
        description = "Per node: key epoch, peers, SAs installed, peers yet to acknowledge the epoch, last rotation.")
    static final class Status implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Override
        public void run() {
            EncryptionRecords.printStatuses(store, out, KeysCommand::row, (list, now) -> {
                OutputOption.Table t = new OutputOption.Table("NODE", "EPOCH", "PEERS", "SAS", "PENDING ACKS", "LAST ROTATION", "UPDATED");
                list.forEach(r -> t.row(r.node(), r.epoch(), r.peers(), r.sasInstalled() < 0 ? "kernel behind" : r.sasInstalled(),
                        r.pendingAcks().isEmpty() ? "-" : String.join(",", r.pendingAcks()),
                        ago(r.lastRotation(), now), ago(r.updatedAt(), now)));
                return t;
            });
        }
    }

    static KeyRow row(EncryptionStatus status) {
        return new KeyRow(status.node(), status.epoch(), status.peers().size(), status.sasInstalled(), status.pendingAcks(),
                status.lastRotation(), status.updatedAt());
    }

    static String ago(Instant at, Instant now) {
        return at == null ? null : Durations.format(Duration.between(at, now).withNanos(0)) + " ago";
    }
}

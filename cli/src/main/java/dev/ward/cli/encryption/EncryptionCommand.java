package dev.ward.cli.encryption;

import dev.ward.cli.Examples;
import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.cli.OutputOption;
import dev.ward.cli.identity.StoreOptions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code wardctl encryption}: the state of transparent encryption across the cluster. */
@Command(name = "encryption", description = "Inspect transparent encryption between nodes.",
        subcommands = {EncryptionCommand.Status.class})
public final class EncryptionCommand {
    /** One node as {@code encryption status} reports it. */
    public record EncryptionRow(String node, List<String> encryptedPeers, List<String> peers, Map<String, String> refusedPeers,
                                long xfrmErrorTotal, Map<String, Long> xfrmErrors, boolean revoked, Instant updatedAt) {}

    @Command(name = "status", footerHeading = Examples.HEADING, footer = {
                "  wardctl encryption status --store k8s",
                "  wardctl encryption status -o json --store etcd://10.0.0.1:2379"},
        description = "Per node: peers it encrypts to, refused peers, the kernel's xfrm error counters.")
    static final class Status implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Override
        public void run() {
            EncryptionRecords.printStatuses(store, out, EncryptionCommand::row, (list, now) -> {
                OutputOption.Table t = new OutputOption.Table("NODE", "ENCRYPTED PEERS", "REFUSED", "XFRM ERRORS", "STATE", "UPDATED");
                list.forEach(r -> t.row(r.node(),
                        r.encryptedPeers().size() + "/" + r.peers().size() + (r.encryptedPeers().isEmpty() ? "" : " (" + String.join(",", r.encryptedPeers()) + ")"),
                        r.refusedPeers().isEmpty() ? "-" : String.join(",", r.refusedPeers().keySet()),
                        r.xfrmErrorTotal() == 0 ? "0" : r.xfrmErrorTotal() + " (" + nonZero(r.xfrmErrors()) + ")",
                        r.revoked() ? "revoked" : "active",
                        KeysCommand.ago(r.updatedAt(), now)));
                return t;
            });
        }
    }

    static EncryptionRow row(EncryptionStatus status) {
        long total = status.xfrmErrors().values().stream().mapToLong(Long::longValue).sum();
        return new EncryptionRow(status.node(), status.encryptedPeers(), status.peers(), status.refusedPeers(), total,
                status.xfrmErrors(), status.revoked(), status.updatedAt());
    }

    private static String nonZero(Map<String, Long> counters) {
        return counters.entrySet().stream().filter(e -> e.getValue() != 0).map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}

package dev.ward.cli.identity;

import dev.ward.cli.Examples;
import dev.ward.cli.CommandFailure;
import dev.ward.pki.NodeNames;
import dev.ward.store.ClusterStore;
import dev.ward.store.NodeRemoval;
import dev.ward.cli.OutputOption;
import dev.ward.keyd.store.NodeListing;
import dev.ward.keyd.IssuedSvid;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.admin.NodeAdmin;
import dev.ward.keyd.store.IdentityStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** {@code wardctl node}: node identities, join tokens and revocation. */
@Command(name = "node", description = "List node identities, create join tokens, revoke, readmit and remove nodes.",
        subcommands = {NodeCommand.ListNodes.class, NodeCommand.Token.class, NodeCommand.Revoke.class, NodeCommand.Readmit.class,
                NodeCommand.Remove.class})
public final class NodeCommand {
    private static final Clock CLOCK = Clock.systemUTC();

    /** One node as {@code node list} reports it. */
    public record NodeRow(String node, String state, String serial, String ca, Instant notAfter, int liveSvids) {}

    static NodeAdmin admin(IdentityStore store) {
        return new NodeAdmin(store, StoreOptions.publication(store, StoreOptions.CRL_VALIDITY, CLOCK), CLOCK);
    }

    static NodeRow row(NodeRecord r, Instant now) {
        IssuedSvid current = r.current().orElse(null);
        String state = r.revoked() ? "revoked" : current == null ? "no-svid" : current.liveAt(now) ? "active" : "expired";
        return new NodeRow(r.node(), state, current == null ? null : current.serial().toString(16), current == null ? null : current.caId(),
                current == null ? null : current.notAfter(), r.live(now).size());
    }

    @Command(name = "list", footerHeading = Examples.HEADING, footer = {
                "  wardctl node list --store k8s",
                "  wardctl node list -o json --store etcd://10.0.0.1:2379"},
        description = "List the nodes keyd knows: state, current SVID, its CA and expiry.")
    static final class ListNodes implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                Instant now = CLOCK.instant();
                NodeListing listing = admin(s).list();
                List<NodeRow> rows = listing.readable().stream().map(r -> row(r, now)).toList();
                out.print(System.out, rows, list -> {
                    OutputOption.Table t = new OutputOption.Table("NODE", "STATE", "SERIAL", "CA", "EXPIRES IN", "LIVE SVIDS");
                    list.forEach(r -> t.row(r.node(), r.state(), r.serial(), r.ca(),
                            r.notAfter() == null ? null : Durations.format(Duration.between(now, r.notAfter())), r.liveSvids()));
                    return t;
                });
                if (!listing.unreadable().isEmpty()) {
                    throw new CommandFailure(listing.unreadable().size() + " node record(s) left out: "
                            + String.join("; ", listing.unreadable().stream().map(Throwable::getMessage).toList()));
                }
            }
        }
    }

    @Command(name = "token", description = "Join tokens for clusters without Kubernetes.", subcommands = {Token.Create.class})
    static final class Token {
        @Command(name = "create", footerHeading = Examples.HEADING, footer = {
                "  wardctl node token create worker-1 --ttl 1h --store etcd://10.0.0.1:2379 > worker-1.token",
                "  wardctl node token create worker-1 worker-2 worker-3 --output-dir /var/lib/ward/tokens --store etcd://10.0.0.1:2379"},
        description = {"Create a one-time join token bound to each NODE (shown once; only its hash is stored).",
                "One NODE: the token is printed. With --output-dir, each goes to DIR/NODE.token (mode 0600), and the files are listed."})
        static final class Create implements Runnable {
            @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;
            @Mixin StoreOptions store;
            @Mixin OutputOption out;

            @Parameters(paramLabel = "NODE", arity = "1..*", description = "The nodes the tokens admit, one token each.")
            List<String> nodes;

            @Option(names = "--ttl", defaultValue = "1h", converter = Durations.class, description = "How long the token is valid, at most 7d (default: ${DEFAULT-VALUE}).")
            Duration ttl;

            @Option(names = "--output-dir", paramLabel = "DIR", description = "Write each token to DIR/NODE.token (mode 0600) instead of printing it.")
            java.nio.file.Path outputDir;

            record WrittenToken(String node, String file, Instant expiresAt) {}

            @Override
            public void run() {
                if (nodes.size() > 1 && outputDir == null) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                            nodes.size() + " NODEs need --output-dir (each token goes to DIR/NODE.token; printed, they could not be told apart)");
                }
                if (nodes.stream().distinct().count() < nodes.size()) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a NODE is named twice: " + nodes);
                }
                for (String n : nodes) {
                    try {
                        NodeNames.require(n, "node name");
                    } catch (IllegalArgumentException e) {
                        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "NODE: " + e.getMessage());
                    }
                }
                try (IdentityStore s = store.openCreating()) {
                    NodeAdmin admin = admin(s);
                    if (outputDir == null) {
                        NodeAdmin.CreatedToken t = admin.createToken(nodes.getFirst(), ttl);
                        if (out.json()) System.out.println(OutputOption.toJson(t));
                        else System.out.println(t.token());
                        return;
                    }
                    List<WrittenToken> written = new java.util.ArrayList<>();
                    for (String n : nodes) {
                        NodeAdmin.CreatedToken t = admin.createToken(n, ttl);
                        written.add(new WrittenToken(n, TokenFiles.write(outputDir, n, t.token()).toString(), t.expiresAt()));
                    }
                    out.print(System.out, written, list -> {
                        OutputOption.Table t = new OutputOption.Table("NODE", "TOKEN FILE", "EXPIRES");
                        list.forEach(w -> t.row(w.node(), w.file(), w.expiresAt()));
                        return t;
                    });
                }
            }
        }
    }

    @Command(name = "revoke", footerHeading = Examples.HEADING, footer = {
                "  wardctl node revoke worker-1 --store k8s",
                "  wardctl node revoke worker-1 -o json --store etcd://10.0.0.1:2379"},
        description = "Revoke NODE: no more SVIDs, unused tokens die, its live SVIDs go into the CRL.")
    static final class Revoke implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Parameters(paramLabel = "NODE")
        String node;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                NodeAdmin.Revoked r = admin(s).revoke(node);
                out.print(System.out, r, v -> {
                    OutputOption.Table t = new OutputOption.Table("NODE", "REVOKED SERIAL", "CA", "NOT AFTER");
                    v.svids().forEach(x -> t.row(v.node(), x.serial().toString(16), x.caId(), x.notAfter()));
                    if (v.svids().isEmpty()) t.row(v.node(), "(no live SVID)", null, null);
                    return t;
                });
            }
        }
    }

    @Command(name = "readmit", footerHeading = Examples.HEADING, footer = {
                "  wardctl node readmit worker-1 --store etcd://10.0.0.1:2379",
                "  wardctl node token create worker-1 --store etcd://10.0.0.1:2379   # it needs a new token"},
        description = "Let a revoked NODE enrol again (its revoked SVIDs stay in the CRL until they expire).")
    static final class Readmit implements Runnable {
        @Mixin StoreOptions store;

        @Parameters(paramLabel = "NODE")
        String node;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                admin(s).readmit(node);
                System.out.println("node " + node + " readmitted");
            }
        }
    }

    /** What {@code node remove} removed. */
    public record RemovedRow(String node, List<String> removed) {}

    @Command(name = "remove", description = {
            "Remove what the store keeps per node for NODE, which left the cluster: its encryption announcement and status,",
            "and every other per-node record kind; every peer drops its SAs with NODE. On Kubernetes keyd does this when",
            "the Node is deleted. Stop NODE's agent first (a running agent publishes itself again); this does not revoke",
            "NODE's identity (see `node revoke`)."},
            footerHeading = Examples.HEADING, footer = {
                "  wardctl node remove worker-3 --store etcd://10.0.0.1:2379",
                "  wardctl node remove worker-3 -o json --store dir:/var/lib/ward/store"})
    static final class Remove implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Parameters(paramLabel = "NODE", description = "The node that left.")
        String node;

        @Override
        public void run() {
            String name;
            try {
                name = NodeNames.require(node, "node name");
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(e.getMessage());
            }
            try (ClusterStore s = store.connect()) {
                List<String> removed = NodeRemoval.registered().remove(s, name);
                if (removed.isEmpty()) {
                    throw new CommandFailure("node " + name + " has no per-node records in " + s.describe() + " (a typo?); nothing removed");
                }
                RemovedRow row = new RemovedRow(name, removed);
                if (out.json()) System.out.println(OutputOption.toJson(row));
                else System.out.println("node " + name + ": removed its " + String.join(", ", removed));
            }
        }
    }
}

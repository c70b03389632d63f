package dev.ward.agent;

import dev.ward.agent.identity.AgentSettings;
import dev.ward.agent.identity.IdentityConfig;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreLocation;
import dev.ward.store.kv.DirectoryKv;
import dev.ward.store.Subscription;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.KvEvent;
import dev.ward.store.kv.KvTxn;
import dev.ward.store.kv.VersionedKv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The composition root's lifecycle: start in order, services handed on by type, stop in reverse, clean failure. */
class NodeAgentTest {
    @TempDir
    Path tmp;

    private final List<String> journal = new ArrayList<>();

    /** A service the first subsystem offers and the second one uses. */
    record Greeting(String text) {}

    private final class Recording implements Subsystem {
        private final String name;
        private final boolean fails;

        Recording(String name, boolean fails) {
            this.name = name;
            this.fails = fails;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void start(AgentContext context) {
            if (name.equals("first")) context.provide(Greeting.class, new Greeting("hello from " + context.node()));
            else journal.add(name + " sees " + context.require(Greeting.class).text());
            if (fails) throw new IllegalStateException("the kernel said no");
            journal.add("start " + name);
        }

        @Override
        public void stop() {
            journal.add("stop " + name);
        }
    }

    private NodeAgentConfig config() {
        return new NodeAgentConfig(new StoreLocation.Directory(tmp), tmp.resolve("state"),
                new IdentityConfig(AgentSettings.defaults("n1", tmp.resolve("state")), null), Optional.empty(), Clock.systemUTC());
    }

    /** A directory store whose closing is journalled. */
    private ClusterStore store() {
        DirectoryKv kv = new DirectoryKv(tmp.resolve("kv"));
        VersionedKv journalled = new VersionedKv() {
            public Optional<KvEntry> get(String key) { return kv.get(key); }
            public List<KvEntry> list(String prefix) { return kv.list(prefix); }
            public boolean commit(KvTxn txn) { return kv.commit(txn); }
            public Subscription watch(String prefix, Consumer<KvEvent> listener) { return kv.watch(prefix, listener); }
            public Subscription follow(String prefix, Consumer<KvEvent> listener) { return kv.follow(prefix, listener); }
            public String describe() { return kv.describe(); }
            public void close() {
                journal.add("store closed");
                kv.close();
            }
        };
        return new ClusterStore.KeyValue(journalled, new StoreLocation.Directory(tmp));
    }

    @Test
    void subsystemsStartInOrderShareServicesAndStopInReverse() {
        ClusterStore store = store();
        NodeAgent agent = NodeAgent.start(config(), store, List.of(new Recording("first", false), new Recording("second", false)));
        assertEquals(List.of("first", "second"), agent.subsystems());
        assertEquals("hello from n1", agent.service(Greeting.class).text());
        agent.close();
        assertEquals(List.of("start first", "second sees hello from n1", "start second", "stop second", "stop first", "store closed"), journal);
    }

    @Test
    void aSubsystemThatFailsToStartStopsTheOnesBeforeItAndNamesItself() {
        AgentStartException e = assertThrows(AgentStartException.class, () -> NodeAgent.start(config(), store(),
                List.of(new Recording("first", false), new Recording("second", true), new Recording("third", false))));
        assertEquals("second", e.subsystem());
        assertEquals("cannot start second: the kernel said no", e.getMessage());
        assertEquals(List.of("start first", "second sees hello from n1", "stop first", "store closed"), journal);
        assertFalse(journal.contains("start third"));
    }

    @Test
    void aServiceNobodyOffersIsAWiringMistakeNamedAsSuch() {
        AgentContext context = new AgentContext("n1", tmp, store(), Clock.systemUTC());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> context.require(Greeting.class));
        assertTrue(e.getMessage().contains("no started subsystem offers a Greeting"), e.getMessage());
        Greeting g = new Greeting("x");
        context.provide(Greeting.class, g);
        assertSame(g, context.require(Greeting.class));
        assertThrows(IllegalStateException.class, () -> context.provide(Greeting.class, new Greeting("y")));
    }

    @Test
    void encryptionRunsOnlyWhenConfigured() {
        assertEquals(List.of("metrics", "identity"), NodeAgent.subsystemsFor(config()).stream().map(Subsystem::name).toList());
    }

    @Test
    void withEndpointsTheFlowsComeAfterWhatTheyLabelAndTheRegistryBeforeEverything() {
        var endpoints = new dev.ward.agent.endpoints.EndpointsConfig(dev.ward.agent.policy.PolicyConfig.DEFAULT, tmp.resolve("agent.sock"), null,
                dev.ward.agent.datapath.DatapathKind.NONE, dev.ward.agent.endpoints.EndpointManager.Settings.DEFAULT);
        NodeAgentConfig c = new NodeAgentConfig(new StoreLocation.Directory(tmp), tmp.resolve("state"),
                new IdentityConfig(AgentSettings.defaults("n1", tmp.resolve("state")), null), Optional.empty(), Optional.of(endpoints), Clock.systemUTC());
        assertEquals(List.of("metrics", "identity", "datapath", "policy", "datapath-metrics", "endpoints", "flows", "datapath-flows", "datapath-report"),
                NodeAgent.subsystemsFor(c).stream().map(Subsystem::name).toList());
    }
}

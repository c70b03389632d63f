package dev.ward.dnsproxy;

import dev.ward.dnsproxy.fqdn.EngineFqdnLearner;
import dev.ward.dnsproxy.fqdn.FqdnEntry;
import dev.ward.dnsproxy.fqdn.FqdnJournal;
import dev.ward.dnsproxy.fqdn.OpenConnections;
import dev.ward.dnsproxy.fqdn.PolicyDatapath;
import dev.ward.dnsproxy.policy.AddressIdentities;
import dev.ward.dnsproxy.policy.DnsRules;
import dev.ward.policy.compute.EngineDelta;
import dev.ward.policy.compute.PolicyEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The proxy's side of the policy engine, on the engine's thread: the rule view queries are decided with, the toFQDNs
 * learner with its journal, and the expiry sweep. The agent builds one over its own engine, loop, ipcache and
 * datapath, and calls {@link #engineChanged} after each of its own engine changes; the standalone proxy builds one
 * over an engine made from the snapshot.
 */
public final class EnginePolicyHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnginePolicyHost.class);

    private final Executor engineLoop;
    private final DnsRules rules;
    private final EngineFqdnLearner learner;
    private final FqdnJournal journal;
    private final Consumer<EngineDelta> alsoTell;
    private final ScheduledExecutorService timer;

    /**
     * @param journalFile this process's FQDN journal (created if missing); null to persist nothing
     * @param alsoTell    told of every delta the learner makes, after the rule view (e.g. the standalone's ipcache view)
     */
    public EnginePolicyHost(PolicyEngine engine, Executor engineLoop, AddressIdentities identities, PolicyDatapath datapath,
                            OpenConnections open, Path journalFile, EngineFqdnLearner.Settings settings, Clock clock,
                            Consumer<EngineDelta> alsoTell, Runnable persistFailed) {
        this.engineLoop = engineLoop;
        this.alsoTell = alsoTell;
        this.rules = new DnsRules(engine, engineLoop, identities);
        this.journal = journalFile == null ? null : FqdnJournal.open(journalFile);
        this.learner = new EngineFqdnLearner(engine, engineLoop, datapath, this::engineChanged, journal, open, clock,
                settings, persistFailed);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("ward-dns-expiry").unstarted(r));
    }

    public DnsRules rules() {
        return rules;
    }

    public EngineFqdnLearner learner() {
        return learner;
    }

    /** Engine thread: a change the engine made (the agent's own, or the learner's) reaches the rule view. */
    public void engineChanged(EngineDelta delta) {
        rules.engineChanged(delta);
        if (alsoTell != null) alsoTell.accept(delta);
    }

    /**
     * Restores learned names from journals (this process's own, and others', e.g. the standalone proxy's for the
     * agent) before serving: completes when the datapath holds them. Missing files are skipped.
     */
    public CompletableFuture<Void> restore(List<Path> journals) {
        List<FqdnEntry> all = new ArrayList<>();
        for (Path p : journals) {
            if (p == null || !Files.exists(p)) continue;
            FqdnJournal.Contents c = FqdnJournal.read(p);
            if (c.skippedLines() > 0) LOG.warn("{}: {} lines could not be read (a torn last write is expected after a crash)", p, c.skippedLines());
            all.addAll(c.entries());
        }
        return learner.restore(all);
    }

    /** Starts the expiry sweep, every {@code every} on the engine's thread. */
    public void startExpiry(Duration every) {
        timer.scheduleWithFixedDelay(() -> engineLoop.execute(learner::sweep), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            CompletableFuture.runAsync(learner::flush, engineLoop).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("could not flush the FQDN journal: {}", e.toString());
        }
        if (journal != null) journal.close();
    }
}

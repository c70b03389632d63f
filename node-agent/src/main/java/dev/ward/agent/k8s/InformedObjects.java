package dev.ward.agent.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One kind of Kubernetes object followed through an informer (list, then watch, list again after a broken watch:
 * nothing polled for) and handed on as changes in the informer's order, each with a rising sequence number. Starting
 * returns once every object of the first list has been handed on, so the receiver holds the cluster's state.
 */
public final class InformedObjects<T extends HasMetadata> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InformedObjects.class);
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    /** Receives changes, on the informer's notification thread, one at a time. */
    public interface Receiver<T> {
        /** {@code object} is null when {@code key}'s object was deleted. */
        void changed(String key, long sequence, T object);
    }

    private final String what;
    private final SharedIndexInformer<T> informer;
    private final Set<String> handedOn = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();

    private InformedObjects(String what, SharedIndexInformer<T> informer) {
        this.what = what;
        this.informer = informer;
    }

    /** {@code namespace/name}, or the name of a cluster-scoped object. */
    public static String key(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return ns == null || ns.isEmpty() ? o.getMetadata().getName() : ns + "/" + o.getMetadata().getName();
    }

    /**
     * Starts {@code informer} (made with {@code runnableInformer(0)}: no periodic resync) and returns once its first
     * list reached {@code receiver}. With {@code optional}, a kind the API server does not serve (404: its CRD is not
     * installed) is logged and followed no further, and null is returned.
     */
    public static <T extends HasMetadata> InformedObjects<T> start(String what, SharedIndexInformer<T> informer, Receiver<T> receiver,
                                                                   boolean optional) {
        InformedObjects<T> f = new InformedObjects<>(what, informer);
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                f.hand(receiver, key(obj), obj);
            }

            @Override
            public void onUpdate(T old, T obj) {
                // Equal versions are the informer's own resync, not a change.
                if (!Objects.equals(old.getMetadata().getResourceVersion(), obj.getMetadata().getResourceVersion())) {
                    f.hand(receiver, key(obj), obj);
                }
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                f.hand(receiver, key(obj), null);
            }
        });
        try {
            informer.start().toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            informer.close();
            throw new IllegalStateException("interrupted while listing " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            informer.close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (optional && cause instanceof KubernetesClientException k && k.getCode() == 404) {
                LOG.warn("the API server does not serve {} (is its CustomResourceDefinition installed?); not following them", what);
                return null;
            }
            throw new IllegalStateException("cannot list and watch " + what + ": " + cause.getMessage(), cause);
        }
        f.awaitFirstList();
        return f;
    }

    private void hand(Receiver<T> receiver, String key, T obj) {
        try {
            receiver.changed(key, sequence.incrementAndGet(), obj);
        } catch (RuntimeException e) {
            LOG.warn("handling a change of {} {} failed: {}", what, key, e.toString(), e);
        } finally {
            handedOn.add(key);
        }
    }

    /** The informer's store is filled before its handlers are called: wait for those calls. */
    private void awaitFirstList() {
        Set<String> listed = new HashSet<>();
        for (T o : informer.getStore().list()) listed.add(key(o));
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        while (!handedOn.containsAll(listed)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the first list of " + what + " did not reach the agent within " + SYNC_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while listing " + what, e);
            }
        }
    }

    /** The objects the informer holds now. */
    public java.util.List<T> current() {
        return informer.getStore().list();
    }

    public T get(String key) {
        return informer.getStore().getByKey(key);
    }

    @Override
    public void close() {
        informer.close();
    }
}

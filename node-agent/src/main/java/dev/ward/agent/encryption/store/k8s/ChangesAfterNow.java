package dev.ward.agent.encryption.store.k8s;

import dev.ward.store.Subscription;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The changes to one kind of custom resource made after subscribing, through an informer: it lists, watches and
 * lists again after a broken watch, so nothing is lost and nothing polled for. The objects the first list finds
 * are the state at subscription, not changes, and are not delivered (callers read that state themselves, after
 * subscribing). After a re-list an object may be delivered again; receivers ignore what they already have.
 */
final class ChangesAfterNow {
    private static final long SYNC_TIMEOUT_SECONDS = 30;

    private ChangesAfterNow() {
    }

    static Subscription watch(NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> objects,
                              String what, Consumer<GenericKubernetesResource> changed, Consumer<GenericKubernetesResource> deleted) {
        SharedIndexInformer<GenericKubernetesResource> informer = objects.runnableInformer(0);
        Handler handler = new Handler(changed, deleted);
        informer.addEventHandler(handler);
        try {
            informer.start().toCompletableFuture().get(SYNC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(informer, handler);
            throw new IllegalStateException("interrupted while listing " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            stop(informer, handler);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("cannot watch " + what + ": " + cause.getMessage(), cause);
        }
        handler.begin(informer.getStore().list().stream().collect(Collectors.toMap(
                o -> o.getMetadata().getName(), o -> o.getMetadata().getResourceVersion(), (a, b) -> b)));
        return informer::close;
    }

    private static void stop(SharedIndexInformer<GenericKubernetesResource> informer, Handler handler) {
        informer.close();
        handler.begin(Map.of()); // releases notification threads waiting for a start that will not come
    }

    private static final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
        private final Consumer<GenericKubernetesResource> changed;
        private final Consumer<GenericKubernetesResource> deleted;
        private final CountDownLatch begun = new CountDownLatch(1);
        private volatile Map<String, String> initial = Map.of();

        Handler(Consumer<GenericKubernetesResource> changed, Consumer<GenericKubernetesResource> deleted) {
            this.changed = changed;
            this.deleted = deleted;
        }

        void begin(Map<String, String> versionsAtSubscription) {
            initial = versionsAtSubscription;
            begun.countDown();
        }

        @Override
        public void onAdd(GenericKubernetesResource object) {
            awaitBegun();
            String version = object.getMetadata().getResourceVersion();
            if (version == null || !version.equals(initial.get(object.getMetadata().getName()))) {
                changed.accept(object);
            }
        }

        @Override
        public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource object) {
            awaitBegun();
            // Equal versions are a resync of the cache, not a change.
            if (!Objects.equals(object.getMetadata().getResourceVersion(), old.getMetadata().getResourceVersion())) {
                changed.accept(object);
            }
        }

        @Override
        public void onDelete(GenericKubernetesResource object, boolean finalStateUnknown) {
            awaitBegun();
            deleted.accept(object);
        }

        /** The initial list's notifications can run before the subscriber knows what that list held. */
        private void awaitBegun() {
            try {
                begun.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

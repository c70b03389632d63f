package dev.ward.agent.endpoints;

import dev.ward.policy.label.LabelSet;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where a pod's labels come from: in Kubernetes its Pod and Namespace objects (the runtime's labels are ignored);
 * elsewhere the labels the runtime gave the attachment in its network configuration ({@code args.cni.labels}).
 */
public interface PodLabelSource extends AutoCloseable {
    /** Told when a known pod's labels changed (Kubernetes: a relabelled Pod or Namespace). */
    interface Listener {
        void relabelled(String namespace, String pod);
    }

    /**
     * The pod's workload labels, waiting up to {@code wait} for the pod to become known; empty if it does not.
     *
     * @param runtimeLabels the labels of the CNI request
     */
    Optional<LabelSet> labels(String namespace, String pod, Map<String, String> runtimeLabels, Duration wait);

    /** The labels the pod has now, for a pod already registered (never waits); empty if unknown. */
    default Optional<LabelSet> current(String namespace, String pod, LabelSet registered) {
        return Optional.of(registered);
    }

    void listen(Listener listener);

    @Override
    default void close() {}

    /** Outside Kubernetes: the runtime's labels are the pod's labels; they change only with a new ADD. */
    static PodLabelSource runtime(String cluster) {
        return new PodLabelSource() {
            @Override
            public Optional<LabelSet> labels(String namespace, String pod, Map<String, String> runtimeLabels, Duration wait) {
                return Optional.of(PodLabels.of(namespace, runtimeLabels, null, Map.of(), cluster));
            }

            @Override
            public void listen(Listener listener) {}
        };
    }
}

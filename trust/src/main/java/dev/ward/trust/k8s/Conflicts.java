package dev.ward.trust.k8s;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** The API server's "your view is stale" answers: a compare-and-set that lost. */
public final class Conflicts {
    private Conflicts() {}

    public static boolean isConflict(KubernetesClientException e) {
        return e.getCode() == 409;
    }

    public static boolean isNotFound(KubernetesClientException e) {
        return e.getCode() == 404;
    }
}

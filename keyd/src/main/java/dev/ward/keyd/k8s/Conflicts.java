package dev.ward.keyd.k8s;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** The API server's "your view is stale" answers: a compare-and-set that lost. */
final class Conflicts {
    private Conflicts() {}

    static boolean isConflict(KubernetesClientException e) {
        return e.getCode() == 409;
    }

    static boolean isNotFound(KubernetesClientException e) {
        return e.getCode() == 404;
    }
}

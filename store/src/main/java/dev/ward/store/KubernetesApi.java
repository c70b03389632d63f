package dev.ward.store;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** Connects to the cluster's Kubernetes API the way kubectl finds it: kubeconfig, or the pod's service account. */
public final class KubernetesApi {
    private static final String IN_CLUSTER_HOST = "KUBERNETES_SERVICE_HOST";

    private KubernetesApi() {}

    /**
     * A client for the configured API server. With no kubeconfig and outside any cluster there is nothing to connect
     * to; fabric8 would try its default address for half a minute, so this says so at once.
     */
    public static KubernetesClient connect() {
        Config config = Config.autoConfigure(null);
        if (!configured(config)) {
            throw new StoreUnavailableException("no Kubernetes API is reachable: no kubeconfig ($KUBECONFIG or ~/.kube/config) "
                    + "and not running in a cluster; name another store with --store etcd://HOST:PORT or --store dir:PATH "
                    + "(or set WARD_STORE)");
        }
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static boolean configured(Config config) {
        return config.getFileWithCluster() != null
                || System.getenv(IN_CLUSTER_HOST) != null
                || System.getProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY) != null
                || System.getenv("KUBERNETES_MASTER") != null
                || !stripSlash(config.getMasterUrl()).equals(Config.DEFAULT_MASTER_URL);
    }

    private static String stripSlash(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : String.valueOf(url);
    }
}

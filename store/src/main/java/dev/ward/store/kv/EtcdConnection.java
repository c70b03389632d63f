package dev.ward.store.kv;

import io.etcd.jetcd.Client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One jetcd client and the one rule for waiting on it: every call gets {@link #timeout()}, and a failure names the
 * operation, the endpoints and the reason (a timeout says so; jetcd's own exceptions often have no message). Both the
 * key-value layer and the policy store's identity allocation (which needs leases) talk to etcd through this.
 */
public final class EtcdConnection implements AutoCloseable {
    // A JVM's first call also loads and links gRPC and Netty, which on a slow machine (the lab's user-mode Linux
    // guest computes about 12x slower) can outlast the usual 10 s on its own: hence the knob.
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(Integer.getInteger("ward.etcd.timeout.seconds", 10));

    private final Client client;
    private final String endpoints;
    private final Duration timeout;

    private EtcdConnection(Client client, String endpoints, Duration timeout) {
        this.client = client;
        this.endpoints = endpoints;
        this.timeout = timeout;
    }

    /** @param endpoints URLs, {@code http://HOST:PORT} */
    public static EtcdConnection open(List<String> endpoints) {
        return open(DEFAULT_TIMEOUT, endpoints);
    }

    /** @param timeout how long one operation may take before the store counts as unreachable */
    public static EtcdConnection open(Duration timeout, List<String> endpoints) {
        return new EtcdConnection(Client.builder().endpoints(endpoints.toArray(String[]::new)).build(), String.join(",", endpoints), timeout);
    }

    public Client client() {
        return client;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Waits for one etcd call; {@code what} completes "cannot ... in etcd" (e.g. "read /ward/pki/trust"). */
    public <T> T await(CompletableFuture<T> call, String what) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvStoreException("interrupted while trying to " + what + " in etcd " + endpoints, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            String reason = e instanceof TimeoutException ? "no answer within " + timeout.toMillis() + " ms"
                    : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            throw new KvStoreException("cannot " + what + " in etcd " + endpoints + ": " + reason, cause);
        }
    }

    public String describe() {
        return "etcd " + endpoints;
    }

    @Override
    public void close() {
        client.close();
    }
}

package dev.ward.store;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where a cluster's shared state is, as operators write it in {@code --store}: {@code k8s},
 * {@code etcd://HOST:PORT[,HOST:PORT]}, {@code dir:PATH}. Every command that touches the store takes this one form.
 */
public sealed interface StoreLocation {
    record Kubernetes() implements StoreLocation {
        @Override
        public String spec() {
            return "k8s";
        }
    }

    /** @param endpoints {@code http://HOST:PORT} URLs */
    record Etcd(List<String> endpoints) implements StoreLocation {
        @Override
        public String spec() {
            return "etcd://" + String.join(",", endpoints).replace("http://", "");
        }
    }

    record Directory(Path path) implements StoreLocation {
        @Override
        public String spec() {
            return "dir:" + path;
        }

        @Override
        public Optional<Path> directory() {
            return Optional.of(path);
        }
    }

    /** The {@code --store} value that names this location. */
    String spec();

    /** The local directory of a single-host store, where its files beside the key-value records go. */
    default Optional<Path> directory() {
        return Optional.empty();
    }

    static StoreLocation parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("--store is empty (use k8s, etcd://HOST:PORT or dir:PATH)");
        String s = spec.trim();
        if (s.equals("k8s") || s.equals("kubernetes")) return new Kubernetes();
        if (s.startsWith("etcd://")) {
            List<String> endpoints = Arrays.stream(s.substring("etcd://".length()).split(","))
                    .map(String::trim).filter(e -> !e.isEmpty()).map(StoreLocation::hostPort).map(e -> "http://" + e).toList();
            if (endpoints.isEmpty()) throw new IllegalArgumentException("--store " + spec + " names no etcd endpoint (etcd://HOST:PORT)");
            return new Etcd(endpoints);
        }
        if (s.startsWith("dir:")) {
            String path = s.substring("dir:".length());
            if (path.isBlank()) throw new IllegalArgumentException("--store dir: needs a path (dir:PATH)");
            return new Directory(Path.of(path));
        }
        throw new IllegalArgumentException("unknown store \"" + spec + "\" (use k8s, etcd://HOST:PORT or dir:PATH)");
    }

    private static String hostPort(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || colon == endpoint.length() - 1) {
            throw new IllegalArgumentException("etcd endpoint \"" + endpoint + "\" must be HOST:PORT");
        }
        try {
            int port = Integer.parseInt(endpoint.substring(colon + 1));
            if (port < 1 || port > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("etcd endpoint \"" + endpoint + "\" has an invalid port");
        }
        return endpoint;
    }
}

package dev.ward.policy.identity;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An identity store inside one process: for a single node without a shared store, for {@code wardctl} working on
 * files, and as the reference the store adapters are tested against.
 */
public final class InMemoryIdentityBackend implements IdentityBackend {
    private final Map<Integer, String> keyById = new HashMap<>();
    private final Map<String, Integer> idByKey = new HashMap<>();
    private final Map<Integer, Set<String>> refs = new HashMap<>();

    @Override
    public synchronized Optional<Integer> idForKey(String key) {
        return Optional.ofNullable(idByKey.get(key));
    }

    @Override
    public synchronized Map<Integer, String> allocated() {
        return new TreeMap<>(keyById);
    }

    @Override
    public synchronized Claim claim(int id, String key) {
        Integer existing = idByKey.get(key);
        if (existing != null) return new Claim.KeyTaken(existing);
        if (keyById.containsKey(id)) return new Claim.IdTaken();
        keyById.put(id, key);
        idByKey.put(key, id);
        return new Claim.Claimed();
    }

    @Override
    public synchronized void addReference(int id, String key, String node) throws IdentityGoneException {
        if (!key.equals(keyById.get(id))) throw new IdentityGoneException("identity " + id + " no longer stands for " + key);
        refs.computeIfAbsent(id, k -> new HashSet<>()).add(node);
    }

    @Override
    public synchronized void removeReference(int id, String node) {
        Set<String> s = refs.get(id);
        if (s != null) {
            s.remove(node);
            if (s.isEmpty()) refs.remove(id);
        }
    }

    @Override
    public synchronized Set<String> references(int id) {
        return Set.copyOf(refs.getOrDefault(id, Set.of()));
    }

    @Override
    public synchronized boolean deleteIfUnreferenced(int id) {
        if (refs.containsKey(id)) return false;
        String key = keyById.remove(id);
        if (key == null) return false;
        idByKey.remove(key);
        return true;
    }
}

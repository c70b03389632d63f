package dev.ward.policy.store;

import dev.ward.store.CorruptRecordException;
import dev.ward.store.kv.KvEntry;
import dev.ward.store.kv.VersionedKv;

import java.util.Map;
import java.util.TreeMap;

/** The identity numbers allocated in a key-value store ({@code <prefix>id/<n>} holds the label key), for readers. */
final class StoredIdentities {
    private StoredIdentities() {}

    static Map<Integer, String> allocated(VersionedKv kv, String prefix) {
        String ids = prefix + "id/";
        Map<Integer, String> out = new TreeMap<>();
        for (KvEntry e : kv.list(ids)) {
            try {
                out.put(Integer.parseInt(e.key().substring(ids.length())), e.text());
            } catch (NumberFormatException bad) {
                throw new CorruptRecordException("identity record " + e.key() + " is not named by a number");
            }
        }
        return out;
    }
}

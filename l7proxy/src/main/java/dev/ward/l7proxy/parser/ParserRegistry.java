package dev.ward.l7proxy.parser;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The parsers the proxy can run, by protocol name, as {@link ServiceLoader} finds them (or as given). */
public final class ParserRegistry {
    private final Map<String, L7ParserFactory> byName;

    public ParserRegistry(List<L7ParserFactory> factories) {
        Map<String, L7ParserFactory> m = new TreeMap<>();
        for (L7ParserFactory f : factories) {
            L7ParserFactory before = m.putIfAbsent(f.name(), f);
            if (before != null) {
                throw new IllegalArgumentException("two parsers for protocol '" + f.name() + "': "
                        + before.getClass().getName() + " and " + f.getClass().getName());
            }
        }
        byName = Map.copyOf(m);
    }

    /** Every parser on the class path. */
    public static ParserRegistry load() {
        return load(ParserRegistry.class.getClassLoader());
    }

    public static ParserRegistry load(ClassLoader loader) {
        List<L7ParserFactory> found = new ArrayList<>();
        ServiceLoader.load(L7ParserFactory.class, loader).forEach(found::add);
        return new ParserRegistry(found);
    }

    /** The factory for {@code name}, or null. */
    public L7ParserFactory get(String name) {
        return byName.get(name);
    }

    public List<String> names() {
        return List.copyOf(new TreeMap<>(byName).keySet());
    }
}

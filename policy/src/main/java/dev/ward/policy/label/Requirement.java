package dev.ward.policy.label;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** One term of a label selector; all terms of a selector must hold. */
public record Requirement(SelectorKey key, Operator operator, Set<String> values) implements Comparable<Requirement> {

    public enum Operator {
        IN("In"), NOT_IN("NotIn"), EXISTS("Exists"), DOES_NOT_EXIST("DoesNotExist");

        private final String yamlName;

        Operator(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }

        /** Cilium's documentation writes {@code operator: "in"}; Kubernetes spells it {@code In}: accept both. */
        public static Operator parse(String text) {
            for (Operator o : values()) if (o.yamlName.equalsIgnoreCase(text)) return o;
            throw new IllegalArgumentException("unknown operator '" + text + "' (expected In, NotIn, Exists or DoesNotExist)");
        }
    }

    public Requirement {
        Objects.requireNonNull(key);
        Objects.requireNonNull(operator);
        values = Set.copyOf(new TreeSet<>(values));
        switch (operator) {
            case IN, NOT_IN -> {
                if (values.isEmpty()) throw new IllegalArgumentException(operator.yamlName + " needs at least one value");
            }
            case EXISTS, DOES_NOT_EXIST -> {
                if (!values.isEmpty()) throw new IllegalArgumentException(operator.yamlName + " takes no values");
            }
        }
    }

    public static Requirement equalTo(SelectorKey key, String value) {
        return new Requirement(key, Operator.IN, Set.of(value));
    }

    public static Requirement exists(SelectorKey key) {
        return new Requirement(key, Operator.EXISTS, Set.of());
    }

    public boolean matches(LabelSet labels) {
        return switch (operator) {
            case IN -> labels.hasValueIn(key, values);
            case NOT_IN -> !labels.hasValueIn(key, values);
            case EXISTS -> labels.has(key);
            case DOES_NOT_EXIST -> !labels.has(key);
        };
    }

    private List<String> sortedValues() {
        return List.copyOf(new TreeSet<>(values));
    }

    @Override
    public int compareTo(Requirement o) {
        int c = key.compareTo(o.key);
        if (c != 0) return c;
        c = operator.compareTo(o.operator);
        return c != 0 ? c : sortedValues().toString().compareTo(o.sortedValues().toString());
    }

    @Override
    public String toString() {
        return switch (operator) {
            case IN -> values.size() == 1 ? key + "=" + values.iterator().next() : key + " in " + sortedValues();
            case NOT_IN -> key + " notin " + sortedValues();
            case EXISTS -> key.toString();
            case DOES_NOT_EXIST -> "!" + key;
        };
    }
}

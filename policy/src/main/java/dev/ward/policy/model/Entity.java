package dev.ward.policy.model;

/** The entities of {@code fromEntities}/{@code toEntities}: classes of peers that have no labels of their own. */
public enum Entity {
    ALL("all"), WORLD("world"), WORLD_IPV4("world-ipv4"), WORLD_IPV6("world-ipv6"), CLUSTER("cluster"),
    HOST("host"), REMOTE_NODE("remote-node"), KUBE_APISERVER("kube-apiserver"), INIT("init"), HEALTH("health"),
    UNMANAGED("unmanaged"), INGRESS("ingress"), NONE("none");

    private final String yamlName;

    Entity(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Entity parse(String text) {
        for (Entity e : values()) if (e.yamlName.equals(text)) return e;
        StringBuilder known = new StringBuilder();
        for (Entity e : values()) known.append(known.isEmpty() ? "" : ", ").append(e.yamlName);
        throw new IllegalArgumentException("unknown entity '" + text + "' (known: " + known + ")");
    }
}

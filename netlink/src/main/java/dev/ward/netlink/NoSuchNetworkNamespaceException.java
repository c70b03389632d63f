package dev.ward.netlink;

/** A named network namespace (/run/netns/NAME) that does not exist. */
public final class NoSuchNetworkNamespaceException extends RuntimeException {
    private final String name;

    public NoSuchNetworkNamespaceException(String name) {
        super("network namespace " + name + " does not exist (no " + NetworkNamespace.path(name) + ")");
        this.name = name;
    }

    public String name() {
        return name;
    }
}

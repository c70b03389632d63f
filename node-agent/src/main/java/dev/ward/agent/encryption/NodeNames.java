package dev.ward.agent.encryption;

import java.util.regex.Pattern;

/**
 * Node names as Kubernetes allows them (RFC 1123 subdomains). Checking them here matters because a name becomes
 * a path segment of a SPIFFE ID: a "/" or ".." must never reach it.
 */
public final class NodeNames {
    private static final Pattern SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    public static final int MAX_LENGTH = 253;

    private NodeNames() {
    }

    public static String require(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(what + " is longer than " + MAX_LENGTH + " characters");
        }
        if (!SUBDOMAIN.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " \"" + name + "\" is not a valid node name (lowercase RFC 1123 subdomain)");
        }
        return name;
    }
}

package dev.ward.pki;

import java.util.regex.Pattern;

/**
 * Node names as Kubernetes allows them (lowercase RFC 1123 subdomains). The name becomes a path segment of a
 * SPIFFE ID, so a "/", "..", upper case or an empty name must never get that far.
 */
public final class NodeNames {
    public static final int MAX_LENGTH = 253;
    private static final Pattern SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private NodeNames() {}

    /** Returns {@code name} or throws with a message that names {@code what} was wrong. */
    public static String require(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(what + " is longer than " + MAX_LENGTH + " characters");
        }
        if (!SUBDOMAIN.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what + " \"" + name + "\" is not a valid node name (lowercase RFC 1123 subdomain)");
        }
        return name;
    }

    public static boolean isValid(String name) {
        return name != null && name.length() <= MAX_LENGTH && SUBDOMAIN.matcher(name).matches();
    }
}

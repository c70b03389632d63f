package dev.ward.policy.model;

/**
 * One entry of {@code toPorts[].ports}: a port number (0 for all ports) or a named port, an optional end of range,
 * and the protocol.
 */
public record PortProtocol(int port, String portName, int endPort, Protocol protocol) {
    /** IANA service names, as Kubernetes container port names: lower case, at most 15 characters, one letter. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches();
    }

    public PortProtocol {
        if (portName == null && (port < 0 || port > 65535)) throw new IllegalArgumentException("port out of range: " + port);
        if (portName == null && endPort != 0 && endPort < port) {
            throw new IllegalArgumentException("endPort " + endPort + " is below port " + port);
        }
    }

    public static PortProtocol number(int port, int endPort, Protocol protocol) {
        return new PortProtocol(port, null, endPort, protocol);
    }

    public static PortProtocol named(String name, Protocol protocol) {
        return new PortProtocol(0, name, 0, protocol);
    }

    public boolean isNamed() {
        return portName != null;
    }

    /** The first port of the range; 0 with no end means every port. */
    public int low() {
        return port == 0 && endPort == 0 ? 0 : port;
    }

    public int high() {
        if (port == 0 && endPort == 0) return 65535;
        return endPort == 0 ? port : endPort;
    }

    @Override
    public String toString() {
        String p = isNamed() ? portName : port == 0 && endPort == 0 ? "*" : endPort == 0 ? String.valueOf(port) : port + "-" + endPort;
        return p + "/" + protocol;
    }
}

package dev.ward.agent.encryption;

import java.net.InetAddress;

/** Parses IP address literals without ever falling back to a DNS lookup, as InetAddress.getByName would. */
public final class IpLiterals {
    private IpLiterals() {
    }

    public static InetAddress parse(String text) {
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address literal");
        }
    }
}

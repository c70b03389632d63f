package dev.ward.dnsproxy.proxy;

import dev.ward.policy.model.Protocol;

public enum Transport {
    UDP(Protocol.UDP), TCP(Protocol.TCP);

    private final Protocol protocol;

    Transport(Protocol protocol) {
        this.protocol = protocol;
    }

    public Protocol protocol() {
        return protocol;
    }

    public String label() {
        return name().toLowerCase();
    }
}

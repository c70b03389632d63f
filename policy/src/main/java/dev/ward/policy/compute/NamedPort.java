package dev.ward.policy.compute;

import dev.ward.policy.model.Protocol;

/** A container port with a name ({@code containerPorts[].name}), as Kubernetes named ports resolve to. */
public record NamedPort(int port, Protocol protocol) {
    @Override
    public String toString() {
        return port + "/" + protocol;
    }
}

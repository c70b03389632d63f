package dev.ward.agent.encryption;

import java.net.InetAddress;

/**
 * One ESP SA in tunnel mode between two underlay addresses, as Ward wants it in the kernel, with the mesh SA
 * it implements ({@code id}: which nodes and epochs). The kernel knows an SA by (destination, SPI).
 */
public record PeerSa(PeerSaId id, Spi spi, InetAddress source, InetAddress destination, EspKey key) {
    public SaDirection directionAt(String node) {
        return id.sender().equals(node) ? SaDirection.OUTBOUND : SaDirection.INBOUND;
    }

    /** What the kernel holds of this SA; mesh identity is not stored there. */
    public KernelSa installed() {
        return new KernelSa(spi, source, destination, key);
    }

    @Override
    public String toString() {
        return "SA[" + id + " spi " + spi + " " + source.getHostAddress() + "->" + destination.getHostAddress() + "]";
    }
}

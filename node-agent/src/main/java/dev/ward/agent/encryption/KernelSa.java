package dev.ward.agent.encryption;

import java.net.InetAddress;

/** An ESP tunnel SA as found in (or written to) the kernel: no mesh identity, only what xfrm stores. */
public record KernelSa(Spi spi, InetAddress source, InetAddress destination, EspKey key) {
    /** The kernel's lookup key: two SAs with the same destination and SPI cannot coexist. */
    public Slot slot() {
        return new Slot(destination, spi);
    }

    /** Where the kernel finds an SA: destination address and SPI (the protocol, ESP, is implied). */
    public record Slot(InetAddress destination, Spi spi) {
        @Override
        public String toString() {
            return destination.getHostAddress() + "/" + spi;
        }
    }
}

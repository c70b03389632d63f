package dev.ward.xfrm;

import java.net.InetAddress;

/** What the kernel looks an ESP SA up by: destination, SPI, and the mark when the SA has one. */
public record SaId(InetAddress destination, int spi, Mark mark) {
    public String describe() {
        return String.format("SA spi 0x%08x dst %s", spi, destination.getHostAddress()) + markText();
    }

    String describe(InetAddress source) {
        return String.format("SA spi 0x%08x %s->%s", spi, source.getHostAddress(), destination.getHostAddress()) + markText();
    }

    private String markText() {
        return mark == null ? "" : " mark " + mark;
    }
}

package dev.ward.bpf.lab;

import java.net.InetAddress;

/** A pod of a {@link PodLab}: its namespace, its host-side veth in the node, its addresses. */
public record Pod(int index, String netns, String veth, InetAddress ipv4, InetAddress ipv6, InetAddress gateway4) {
    public String name() {
        return "pod" + index;
    }
}

package dev.ward.lab;

import java.net.InetAddress;
import java.util.List;

/** A node as the encryption scenarios see it: its name, the underlay address its SAs use, and its pods. */
public interface ClusterNode<P extends ClusterPod> {
    String name();

    InetAddress underlayIp();

    List<P> pods();

    /** The {@code i}-th pod, from 1. */
    default P pod(int i) {
        return pods().get(i - 1);
    }
}

package dev.ward.lab;

import java.net.InetAddress;

/** A pod as the encryption scenarios see it: a name to report and the address other pods reach it at. */
public interface ClusterPod {
    String name();

    InetAddress ip();
}

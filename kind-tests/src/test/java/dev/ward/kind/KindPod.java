package dev.ward.kind;

import dev.ward.lab.ClusterPod;

import java.net.InetAddress;

/** One of the suites' workload pods: name, pod IP, and the node it runs on. */
record KindPod(String name, InetAddress ip, String node) implements ClusterPod {
}

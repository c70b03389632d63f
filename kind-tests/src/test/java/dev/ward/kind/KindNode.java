package dev.ward.kind;

import dev.ward.lab.ClusterNode;

import java.net.InetAddress;
import java.util.List;

/** A node of the kind cluster: its InternalIP (the agent's --underlay-ip), its workload pods and its agent's pod. */
record KindNode(String name, InetAddress underlayIp, List<KindPod> pods, String agentPod) implements ClusterNode<KindPod> {
}

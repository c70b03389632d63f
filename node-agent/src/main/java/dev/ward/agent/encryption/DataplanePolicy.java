package dev.ward.agent.encryption;

import java.net.InetAddress;

/**
 * The xfrm policies Ward installs. Lower priority values win in the kernel; the plaintext block sits below
 * everything so that it only catches what no more specific policy claims.
 */
public sealed interface DataplanePolicy {
    int BYPASS_PRIORITY = 100;
    int PEER_PRIORITY = 200;
    int BLOCK_PRIORITY = 300;

    PolicySelector selector();

    int priority();

    /** Local pod traffic to a remote node's pods leaves through the ESP tunnel, on the SA with this SPI. */
    record Encrypt(Cidr source, Cidr destination, TunnelEndpoints tunnel, Spi spi) implements DataplanePolicy {
        public PolicySelector selector() {
            return new PolicySelector(TrafficDirection.OUT, source, destination);
        }

        public int priority() {
            return PEER_PRIORITY;
        }
    }

    /** Traffic from a peer's pods to local pods is accepted only if it arrived through ESP from that peer's underlay. */
    record RequireEsp(TrafficDirection direction, Cidr source, Cidr destination, InetAddress tunnelSource,
                      InetAddress tunnelDestination) implements DataplanePolicy {
        public RequireEsp {
            if (direction == TrafficDirection.OUT) {
                throw new IllegalArgumentException("ESP is required on input and forward, not output");
            }
        }

        public PolicySelector selector() {
            return new PolicySelector(direction, source, destination);
        }

        public int priority() {
            return PEER_PRIORITY;
        }
    }

    /** Pod-to-pod traffic within this node never touches IPsec. */
    record Bypass(TrafficDirection direction, Cidr source, Cidr destination) implements DataplanePolicy {
        public PolicySelector selector() {
            return new PolicySelector(direction, source, destination);
        }

        public int priority() {
            return BYPASS_PRIORITY;
        }
    }

    /** Plaintext between local pods and the rest of the cluster's pod space is dropped. */
    record Block(TrafficDirection direction, Cidr source, Cidr destination) implements DataplanePolicy {
        public PolicySelector selector() {
            return new PolicySelector(direction, source, destination);
        }

        public int priority() {
            return BLOCK_PRIORITY;
        }
    }
}

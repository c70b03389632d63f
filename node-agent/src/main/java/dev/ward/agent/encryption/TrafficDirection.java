package dev.ward.agent.encryption;

/** The kernel's xfrm policy directions: leaving the node, delivered to it, or forwarded through it (to pods). */
public enum TrafficDirection {
    OUT,
    IN,
    FWD
}

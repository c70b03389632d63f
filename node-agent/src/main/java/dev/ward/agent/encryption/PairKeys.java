package dev.ward.agent.encryption;

/** The two ESP keys of one epoch pair, from the local node's point of view. */
public record PairKeys(EspKey outbound, EspKey inbound) {
}

package dev.ward.agent;

/**
 * One part of the node agent (its identity, encryption between nodes; later policy, the BPF datapath, the DNS and
 * L7 proxies, metrics), with a lifecycle of its own as Cilium's cells have. {@link NodeAgent} starts subsystems in
 * order and stops them in reverse; a subsystem finds what earlier ones offer in the {@link AgentContext} and offers
 * its own there, so it depends on services, never on another subsystem's class.
 */
public interface Subsystem {
    /** Names it in logs and errors: "identity", "encryption". */
    String name();

    /**
     * Starts and returns once running (its first round done: for encryption, the kernel programmed for the peers
     * known now). A failure throws with the reason an operator can act on; the agent then stops what already runs.
     */
    void start(AgentContext context) throws Exception;

    /**
     * Stops its threads and releases what it holds. What it programmed into the kernel stays: the datapath keeps
     * working while the agent restarts, and the next start takes it back.
     */
    void stop();
}

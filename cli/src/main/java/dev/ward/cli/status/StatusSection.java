package dev.ward.cli.status;

import java.util.Map;

/**
 * One part of Ward in {@code wardctl status}: identity, encryption, and the parts still to come (the BPF datapath,
 * the DNS and L7 proxies). A section reads what its subsystem recorded in the store for every node, in one pass,
 * and reports per node a few lines for people, its details for {@code -o json}, and the problems that make the node
 * unhealthy. Adding one: implement this and add it to {@link StatusSections#all()}; nothing else changes.
 * An instance serves one {@code wardctl status} run, so it may keep what {@link #read} found for {@link #absent}.
 */
public interface StatusSection {
    /** The section's name: its heading on screen and its key in JSON ("identity", "encryption"). */
    String name();

    /** What this section has for each node it knows, read once from the store. */
    Map<String, SectionReport> read(StatusContext context);

    /** For a node other sections know but this one has nothing for: a note, or a problem if its absence is one. */
    SectionReport absent(String node, StatusContext context);
}

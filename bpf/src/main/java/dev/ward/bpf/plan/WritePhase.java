package dev.ward.bpf.plan;

/**
 * The order a change is written in, chosen so that every lookup the datapath makes during the change gives
 * the old verdict or the new one, never a third:
 * <ol>
 * <li>rows for specific identities are written before rows for "any": a packet whose identity has a new row
 *     must not fall through to a new "any" row before that row is there;</li>
 * <li>enforcement flips after every upsert (new rows are in place before the default turns to deny) and
 *     before every removal (old rows still stand when the default turns to allow);</li>
 * <li>an address maps to a new identity only once that identity's rows exist, and an identity's rows go only
 *     after no address maps to it;</li>
 * <li>stale "any" rows go before stale identity rows: a packet that loses its identity row must land on the
 *     new "any" row, not on a stale one.</li>
 * </ol>
 * Within a phase the order does not matter, so each phase can be one batch per map.
 */
public enum WritePhase {
    UPSERT_IDENTITY_ROWS,
    UPSERT_ANY_ROWS,
    ENFORCEMENT,
    IPCACHE_UPSERTS,
    IPCACHE_DELETES,
    DELETE_ANY_ROWS,
    DELETE_IDENTITY_ROWS
}

package dev.ward.policy.compute;

import java.util.function.IntConsumer;

/** Which identities a selection matches: answered by the selector cache, or by a fresh scan for a full recomputation. */
interface Membership {
    boolean contains(Selection s, int id);

    void forEachMember(Selection s, IntConsumer action);
}

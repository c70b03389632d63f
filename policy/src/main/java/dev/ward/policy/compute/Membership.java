package dev.ward.policy.compute;

/** Which identities a selection matches: answered by the selector cache, or by a fresh scan for a full recomputation. */
interface Membership {
    IntSet members(Selection s);
}

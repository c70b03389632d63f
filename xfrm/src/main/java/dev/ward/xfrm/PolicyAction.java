package dev.ward.xfrm;

/** ALLOW applies the policy's templates (or passes the packet unprotected if it has none); BLOCK drops it. */
public enum PolicyAction {
    ALLOW, BLOCK
}

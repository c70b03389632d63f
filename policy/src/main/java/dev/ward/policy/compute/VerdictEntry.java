package dev.ward.policy.compute;

import dev.ward.policy.identity.IdentityNumbers;
import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;

/**
 * One row of an endpoint's verdict table: flows in {@code direction} with the remote identity {@code remoteId}
 * ({@link IdentityNumbers#ANY} for any), protocol {@code protocol} and port (ICMP type) in {@code low..high}.
 * A row for a specific identity already includes every rule that applies to it; rows for "any" hold where no
 * identity-specific row does.
 */
public record VerdictEntry(Direction direction, int remoteId, Protocol protocol, int low, int high, Verdict verdict) {

    public Key key() {
        return new Key(direction, remoteId, protocol, low, high);
    }

    /** The part the datapath indexes by. */
    public record Key(Direction direction, int remoteId, Protocol protocol, int low, int high) {
        @Override
        public String toString() {
            return direction.lower() + " " + IdentityNumbers.describe(remoteId) + " " + protocol
                    + (low == 0 && high == 65535 ? " *" : low == high ? " " + low : " " + low + "-" + high);
        }
    }

    @Override
    public String toString() {
        return key() + " -> " + verdict;
    }
}

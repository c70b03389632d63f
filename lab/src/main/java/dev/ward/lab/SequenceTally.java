package dev.ward.lab;

import java.util.BitSet;

/**
 * Which numbered datagrams of a stream arrived: the receiver marks each sequence number, and after the sender
 * stopped the tally says how many of those sent never arrived and in how many separate gaps.
 */
public final class SequenceTally {
    private final BitSet seen = new BitSet();
    private long duplicates;

    public synchronized void received(int sequence) {
        if (sequence < 0) throw new IllegalArgumentException("negative sequence number " + sequence);
        if (seen.get(sequence)) duplicates++;
        seen.set(sequence);
    }

    /** The outcome for a sender that sent sequence numbers {@code 0..sent-1}. */
    public synchronized Result result(int sent) {
        int lost = 0, gaps = 0, longest = 0, run = 0;
        for (int i = 0; i < sent; i++) {
            if (seen.get(i)) {
                run = 0;
                continue;
            }
            lost++;
            if (run++ == 0) gaps++;
            longest = Math.max(longest, run);
        }
        return new Result(sent, seen.get(0, sent).cardinality(), lost, gaps, longest, duplicates);
    }

    /** {@code longestGap} in datagrams: with a known send interval it says how long the stream was cut. */
    public record Result(int sent, int received, int lost, int gaps, int longestGap, long duplicates) {
        public String describe() {
            return sent + " sent, " + received + " received, " + lost + " lost in " + gaps + " gap(s) (longest " + longestGap + ")"
                    + (duplicates > 0 ? ", " + duplicates + " duplicate(s)" : "");
        }
    }
}

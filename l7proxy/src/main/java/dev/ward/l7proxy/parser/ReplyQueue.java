package dev.ward.l7proxy.parser;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Keeps a parser's answers to denied requests in their turn, for protocols whose replies come in request order
 * (memcached, Kafka): a denial goes out once every request before it that expects a reply has had it. Requests
 * that may get no reply at all (memcached's quiet commands) do not hold denials back, since nothing would ever
 * release them. {@code T} is whatever the parser matches replies by (an opaque, a correlation id).
 */
public final class ReplyQueue<T> {
    private record Entry<T>(T tag, boolean maybeSilent, byte[] denial) {}

    private final ArrayDeque<Entry<T>> entries = new ArrayDeque<>();

    /** A request went to the server; {@code maybeSilent} when the server may not answer it. */
    public void forwarded(T tag, boolean maybeSilent) {
        entries.add(new Entry<>(tag, maybeSilent, null));
    }

    /** A request was denied; returns the answers due now (this one, when nothing awaits a reply before it). */
    public List<byte[]> denied(T tag, byte[] answer) {
        entries.add(new Entry<>(tag, false, answer));
        return due();
    }

    /**
     * The server replied to the oldest request {@code matches} accepts: it and the silent requests before it are
     * settled. Returns the tag (null when the reply matches nothing outstanding).
     */
    public T answered(Predicate<T> matches) {
        Entry<T> match = null;
        for (Entry<T> e : entries) {
            if (e.denial() == null && matches.test(e.tag())) {
                match = e;
                break;
            }
        }
        if (match == null) return null;
        // Requests before it that may go unanswered got no reply and never will; denials stay, now due.
        for (Iterator<Entry<T>> it = entries.iterator(); it.hasNext(); ) {
            Entry<T> e = it.next();
            if (e == match) {
                it.remove();
                break;
            }
            if (e.denial() == null && e.maybeSilent()) it.remove();
        }
        return match.tag();
    }

    /** The oldest forwarded request {@code matches} accepts, left in the queue; null when none. */
    public T find(Predicate<T> matches) {
        for (Entry<T> e : entries) if (e.denial() == null && matches.test(e.tag())) return e.tag();
        return null;
    }

    /** The oldest request still waiting for a reply from the server, or null. */
    public T oldestForwarded() {
        for (Entry<T> e : entries) if (e.denial() == null) return e.tag();
        return null;
    }

    /** Denials whose turn has come, removed from the queue, oldest first. */
    public List<byte[]> due() {
        List<byte[]> out = new ArrayList<>();
        for (Iterator<Entry<T>> it = entries.iterator(); it.hasNext(); ) {
            Entry<T> e = it.next();
            if (e.denial() != null) {
                out.add(e.denial());
                it.remove();
            } else if (!e.maybeSilent()) {
                break;
            }
        }
        return out;
    }

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }
}

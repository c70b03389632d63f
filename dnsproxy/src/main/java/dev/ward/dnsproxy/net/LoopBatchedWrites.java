package dev.ward.dnsproxy.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.List;

/**
 * Datagram writes made on their channel's own loop thread wait until that loop has handled the events it woke up
 * for, then each socket is flushed once: netty sends all of a socket's queued datagrams in one sendmmsg, so under
 * load a read batch of queries costs one system call per socket instead of one per query. Writes from any other
 * thread are flushed at once (netty hands them to the channel's loop).
 */
final class LoopBatchedWrites {
    private static final ThreadLocal<LoopBatchedWrites> OF_THREAD = ThreadLocal.withInitial(LoopBatchedWrites::new);

    private List<Channel> pending = new ArrayList<>();
    private List<Channel> spare = new ArrayList<>();
    private boolean scheduled;

    private LoopBatchedWrites() {}

    static ChannelFuture write(Channel ch, Object msg) {
        EventLoop loop = ch.eventLoop();
        if (!loop.inEventLoop()) return ch.writeAndFlush(msg);
        LoopBatchedWrites w = OF_THREAD.get();
        ChannelFuture f = ch.write(msg);
        if (!w.pending.contains(ch)) w.pending.add(ch);
        if (!w.scheduled) {
            w.scheduled = true;
            // A task queued from the loop itself runs after the loop's current I/O events, with no wake-up.
            loop.execute(w::flush);
        }
        return f;
    }

    private void flush() {
        scheduled = false;
        // A flush's listeners may write again: those land in the other list and get a flush of their own.
        List<Channel> now = pending;
        pending = spare;
        spare = now;
        for (Channel c : now) c.flush();
        now.clear();
    }
}

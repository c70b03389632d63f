package dev.ward.dnsproxy.net;

import dev.ward.netlink.NetworkNamespace;
import dev.ward.netlink.sys.LinuxSyscalls;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's epoll event loops. With a network namespace named, every loop thread enters it before it runs, and
 * sockets are created on those threads ({@link #inNamespace}), so all of them live in that namespace: the node's
 * namespace in the lab and the tests, the thread's own otherwise.
 */
public final class ProxyEventLoops implements AutoCloseable {
    /** Which group, if any, the current thread is a loop of (those threads are inside the namespace). */
    private static final ThreadLocal<ProxyEventLoops> LOOP_OF = new ThreadLocal<>();

    private final EventLoopGroup group;
    private final String netns;

    public ProxyEventLoops(int threads, String netns) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("netty epoll is not available here: " + Epoll.unavailabilityCause());
        }
        this.netns = netns;
        DefaultThreadFactory base = new DefaultThreadFactory("ward-dns", true);
        ThreadFactory inNamespace = r -> base.newThread(() -> {
            if (netns != null) enter(netns);
            LOOP_OF.set(this);
            r.run();
        });
        this.group = new MultiThreadIoEventLoopGroup(threads, inNamespace, EpollIoHandler.newFactory());
    }

    public EventLoopGroup group() {
        return group;
    }

    public String netns() {
        return netns;
    }

    /**
     * How long a socket setup may wait for its loop: a loop's first task also loads and links netty's transport, which
     * took 83 s in a busy one-CPU guest; the bound is there to name a wedged loop, not to time a healthy one.
     */
    static final java.time.Duration SETUP_WAIT = java.time.Duration.ofMinutes(3);

    /** Runs {@code work} on a loop thread (inside the namespace) and waits for it: how sockets get created there. */
    public <T> T inNamespace(Callable<T> work) {
        java.util.concurrent.Future<T> setup = group.next().submit(work);
        try {
            return setup.get(SETUP_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.TimeoutException e) {
            setup.cancel(false);
            throw new IllegalStateException("event loop did not run a socket setup within " + SETUP_WAIT.toSeconds() + " s", e);
        }
    }

    /** The loop the calling thread runs, or null when it is none of this group's. */
    public EventLoop current() {
        if (LOOP_OF.get() != this) return null;
        for (EventExecutor e : group) if (e.inEventLoop()) return (EventLoop) e;
        return null;
    }

    public List<EventLoop> loops() {
        List<EventLoop> out = new ArrayList<>();
        for (EventExecutor e : group) out.add((EventLoop) e);
        return out;
    }

    /** Runs {@code work} on one of the loop threads: at once when already on one, else queued. Never waits. */
    public void onLoopThread(Runnable work) {
        if (LOOP_OF.get() == this) work.run();
        else group.next().execute(work);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static void enter(String name) {
        int fd = NetworkNamespace.openFd(name);
        try {
            LinuxSyscalls.setns(fd, LinuxSyscalls.CLONE_NEWNET);
        } finally {
            LinuxSyscalls.close(fd);
        }
    }
}

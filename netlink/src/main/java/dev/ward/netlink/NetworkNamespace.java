package dev.ward.netlink;

import dev.ward.netlink.sys.LinuxSyscalls;
import dev.ward.netlink.sys.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Named network namespaces, in the same place and form as iproute2 keeps them ({@code /run/netns/NAME}, a bind
 * mount of the namespace), so {@code ip netns} and Ward see the same ones.
 *
 * <p>A namespace belongs to an OS thread, not to the process. Sockets are created on the calling thread after
 * setns and the thread is moved back at once; longer work runs on a dedicated thread that never leaves.
 */
public final class NetworkNamespace {
    private static final Path RUN_DIR = Path.of("/run/netns");

    private NetworkNamespace() {}

    public static Path path(String name) {
        return RUN_DIR.resolve(name);
    }

    public static boolean exists(String name) {
        return Files.exists(path(name));
    }

    /** Creates an empty namespace under {@code name}; fails if one exists. */
    public static void create(String name) {
        validate(name);
        runOnOwnThread(() -> {
            ensureRunDir();
            Path target = path(name);
            LinuxSyscalls.close(LinuxSyscalls.open(target.toString(),
                    LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_CREAT | LinuxSyscalls.O_EXCL | LinuxSyscalls.O_CLOEXEC, 0));
            try {
                LinuxSyscalls.unshare(LinuxSyscalls.CLONE_NEWNET);
                LinuxSyscalls.mount("/proc/thread-self/ns/net", target.toString(), "none", LinuxSyscalls.MS_BIND);
            } catch (RuntimeException e) {
                Files.deleteIfExists(target);
                throw e;
            }
            return null;
        });
    }

    /** Removes the name; the namespace itself lives on while a process or socket still uses it. */
    public static void delete(String name) {
        validate(name);
        Path target = path(name);
        if (!Files.exists(target)) throw new NoSuchNetworkNamespaceException(name);
        try {
            LinuxSyscalls.umount2(target.toString(), LinuxSyscalls.MNT_DETACH);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EINVAL) throw e;
        }
        try {
            Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove " + target + ": " + e.getMessage(), e);
        }
    }

    /** Opens {@code /run/netns/NAME} read-only, e.g. to move a link into it; the caller closes the fd. */
    public static int openFd(String name) {
        validate(name);
        try {
            return LinuxSyscalls.open(path(name).toString(), LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_CLOEXEC, 0);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT) throw new NoSuchNetworkNamespaceException(name);
            throw e;
        }
    }

    /**
     * Runs {@code opener} on the calling thread inside namespace {@code name} and moves the thread back.
     * Whatever the opener creates (a socket) stays in {@code name}.
     */
    public static <T> T openIn(String name, Supplier<T> opener) {
        int target = openFd(name);
        int home = LinuxSyscalls.open("/proc/thread-self/ns/net", LinuxSyscalls.O_RDONLY | LinuxSyscalls.O_CLOEXEC, 0);
        try {
            LinuxSyscalls.setns(target, LinuxSyscalls.CLONE_NEWNET);
            try {
                return opener.get();
            } finally {
                try {
                    LinuxSyscalls.setns(home, LinuxSyscalls.CLONE_NEWNET);
                } catch (RuntimeException e) {
                    // A JVM thread stranded in another namespace would silently act there: stop it instead.
                    throw new Error("cannot return thread to its network namespace after entering " + name, e);
                }
            }
        } finally {
            LinuxSyscalls.close(home);
            LinuxSyscalls.close(target);
        }
    }

    /** Runs {@code work} on a new thread that lives its whole life inside namespace {@code name}. */
    public static <T> T call(String name, Callable<T> work) {
        int target = openFd(name);
        try {
            return runOnOwnThread(() -> {
                LinuxSyscalls.setns(target, LinuxSyscalls.CLONE_NEWNET);
                return work.call();
            });
        } finally {
            LinuxSyscalls.close(target);
        }
    }

    private static <T> T runOnOwnThread(Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread t = Thread.ofPlatform().name("ward-netns").start(task);
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    /** Like iproute2: the directory is a shared mount so a namespace mounted here is visible everywhere. */
    private static void ensureRunDir() throws IOException {
        Files.createDirectories(RUN_DIR);
        try {
            LinuxSyscalls.mount("", RUN_DIR.toString(), "none", LinuxSyscalls.MS_SHARED | LinuxSyscalls.MS_REC);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EINVAL) throw e;
            LinuxSyscalls.mount(RUN_DIR.toString(), RUN_DIR.toString(), "none", LinuxSyscalls.MS_BIND | LinuxSyscalls.MS_REC);
            LinuxSyscalls.mount("", RUN_DIR.toString(), "none", LinuxSyscalls.MS_SHARED | LinuxSyscalls.MS_REC);
        }
    }

    private static void validate(String name) {
        if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid network namespace name: " + name);
        }
    }
}

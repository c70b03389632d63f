package dev.ward.bpf.load;

import dev.ward.netlink.sys.LinuxSyscalls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The BPF filesystem, where maps and programs are pinned so they outlive the process that made them. A pin
 * root must lie on one; {@link #mount} makes one where there is none (as an agent does at /sys/fs/bpf).
 */
public final class BpfFilesystem {
    public static final Path DEFAULT_MOUNT = Path.of("/sys/fs/bpf");

    private BpfFilesystem() {}

    public static boolean isBpffs(Path dir) {
        try {
            return Files.isDirectory(dir) && Files.getFileStore(dir).type().equals("bpf");
        } catch (IOException e) {
            return false;
        }
    }

    /** Mounts a BPF filesystem on {@code mountPoint} unless one is there already. */
    public static void mount(Path mountPoint) {
        if (isBpffs(mountPoint)) return;
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create bpffs mount point " + mountPoint + ": " + e.getMessage(), e);
        }
        LinuxSyscalls.mount("bpf", mountPoint.toString(), "bpf", 0);
    }

    /** Creates the pin directory {@code root}, which must be on a BPF filesystem. */
    public static Path pinRoot(Path root) {
        Path existing = root;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null || !isBpffs(existing)) {
            throw new IllegalArgumentException("pin root " + root + " is not on a BPF filesystem (mount one, e.g. mount -t bpf bpf "
                    + DEFAULT_MOUNT + ")");
        }
        try {
            return Files.createDirectories(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create pin root " + root + ": " + e.getMessage(), e);
        }
    }

    /** Unmounts a BPF filesystem (pins in it go; what else holds the objects keeps them). */
    public static void unmount(Path mountPoint) {
        LinuxSyscalls.umount2(mountPoint.toString(), LinuxSyscalls.MNT_DETACH);
    }
}

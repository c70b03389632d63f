package dev.ward.testbed;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A JVM that boots a guest which runs until it is stopped: {@link UserModeLinuxTest} kills this JVM as an operator's
 * Ctrl-C or a {@code timeout} would, and checks that the guest goes with it.
 */
public final class GuestHolder {
    private GuestHolder() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path started = work.toAbsolutePath().resolve("guest-started");
        new UserModeLinux(args[1], work, 256, Duration.ofMinutes(5)).run(List.of("touch " + started, "sleep 600"));
    }
}

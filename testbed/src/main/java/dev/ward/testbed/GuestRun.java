package dev.ward.testbed;

import java.nio.file.Path;

/** How a guest ended: the exit code its init reported, how long it ran, and where its console log is. */
public record GuestRun(int exitCode, long millis, Path consoleLog) {
    public boolean succeeded() {
        return exitCode == 0;
    }
}

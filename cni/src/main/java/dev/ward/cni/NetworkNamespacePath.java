package dev.ward.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks CNI_NETNS names a network namespace: a bind mount on nsfs ({@code /var/run/netns/X}) or {@code /proc/PID/ns/net}. */
final class NetworkNamespacePath {
    private NetworkNamespacePath() {}

    /** Null when {@code path} is a network namespace, otherwise what it is instead. */
    static String problem(String path) {
        Path p = Path.of(path);
        if (!Files.exists(p)) return "network namespace " + path + " does not exist";
        try {
            if (Files.isSymbolicLink(p)) {
                String target = Files.readSymbolicLink(p).toString();
                return target.startsWith("net:[") ? null : path + " is not a network namespace (it links to " + target + ")";
            }
            String type = Files.getFileStore(p).type();
            return type.equals("nsfs") ? null : path + " is not a network namespace (a file on " + type + ")";
        } catch (IOException e) {
            return "cannot inspect network namespace " + path + ": " + e.getMessage();
        }
    }
}

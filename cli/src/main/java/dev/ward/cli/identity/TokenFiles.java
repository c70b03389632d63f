package dev.ward.cli.identity;

import dev.ward.cli.CommandFailure;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Join tokens written for their nodes: {@code DIR/NODE.token}, readable by the owner only from its first byte. */
final class TokenFiles {
    private TokenFiles() {}

    static Path write(Path dir, String node, String token) {
        Path file = dir.resolve(node + ".token");
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // Created 0600 before the token is in it, and renamed into place: no reader ever sees a partial or open file.
            Path tmp = Files.createTempFile(dir, "." + node + ".", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, token + "\n");
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return file;
        } catch (FileAlreadyExistsException e) {
            throw new CommandFailure("--output-dir " + dir + ": " + e.getFile() + " exists and is not a directory");
        } catch (IOException e) {
            throw new CommandFailure("writing the token of " + node + " to " + file + " failed: " + e.getMessage()
                    + " (the token was created; `wardctl node token create " + node + "` makes another, the unused one expires)");
        }
    }
}

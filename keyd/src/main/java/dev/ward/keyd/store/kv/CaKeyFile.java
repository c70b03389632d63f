package dev.ward.keyd.store.kv;

import dev.ward.keyd.CaKeyring;
import dev.ward.keyd.store.CaKeyVault;
import dev.ward.keyd.store.CaKeyringCodec;
import dev.ward.store.Versioned;
import dev.ward.pki.Fingerprints;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The CA keyring in a local file that only its owner can read (mode 0600, created with that mode so it is never
 * readable by others, not even for an instant). The version is the SHA-256 of the content; replacements run under
 * a lock and an atomic rename. A file whose mode lets anyone else read it is refused.
 */
public final class CaKeyFile implements CaKeyVault {
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Map<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final String initCommand;
    private final ReentrantLock threadLock;

    public CaKeyFile(Path file, String initCommand) {
        this.file = file.toAbsolutePath().normalize();
        this.initCommand = initCommand;
        this.threadLock = IN_PROCESS_LOCKS.computeIfAbsent(this.file, p -> new ReentrantLock());
    }

    public Path path() {
        return file;
    }

    @Override
    public Optional<Versioned<CaKeyring>> load() {
        String pem;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new IllegalStateException("CA key file " + file + " has mode " + PosixFilePermissions.toString(perms)
                        + "; it must be readable by its owner only (chmod 600)");
            }
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read CA key file " + file + ": " + e.getMessage(), e);
        }
        return Optional.of(new Versioned<>(CaKeyringCodec.decodeFile(pem, file.toString()), version(pem)));
    }

    @Override
    public boolean create(CaKeyring keyring) {
        return underLock(() -> {
            if (Files.exists(file)) return false;
            write(CaKeyringCodec.encodeFile(keyring));
            return true;
        });
    }

    @Override
    public boolean replace(CaKeyring keyring, String expectedVersion) {
        return underLock(() -> {
            Optional<String> current = Files.exists(file) ? Optional.of(Files.readString(file, StandardCharsets.US_ASCII)) : Optional.empty();
            if (current.isEmpty() || !version(current.get()).equals(expectedVersion)) return false;
            write(CaKeyringCodec.encodeFile(keyring));
            return true;
        });
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    @Override
    public String initCommand() {
        return initCommand;
    }

    private interface Io<T> {
        T run() throws IOException;
    }

    private <T> T underLock(Io<T> action) {
        threadLock.lock();
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                 FileLock ignored = ch.lock()) {
                return action.run();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write CA key file " + file + ": " + e.getMessage(), e);
        } finally {
            threadLock.unlock();
        }
    }

    private void write(String pem) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), ".ca-keyring-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(pem.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String version(String content) {
        return Fingerprints.sha256(content.getBytes(StandardCharsets.US_ASCII));
    }
}

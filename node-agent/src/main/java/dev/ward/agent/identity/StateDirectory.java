package dev.ward.agent.identity;

import dev.ward.pki.ClusterTrust;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.Pem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's state directory: {@code svid.pem} (leaf then intermediates), {@code svid-key.pem} (mode 0600),
 * {@code bundle.pem} and {@code crl.pem}. Files are replaced by atomic rename so a reader (or a crash) never sees
 * half a file; the key file is created owner-only, never widened afterwards.
 */
public final class StateDirectory {
    public static final String SVID = "svid.pem";
    public static final String SVID_KEY = "svid-key.pem";
    public static final String BUNDLE = "bundle.pem";
    public static final String CRL = "crl.pem";
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private final Path dir;

    public StateDirectory(Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    /** The stored SVID if both files exist, parse, and the key belongs to the leaf. */
    public Optional<NodeSvid> loadSvid() {
        Path cert = dir.resolve(SVID);
        Path key = dir.resolve(SVID_KEY);
        if (!Files.exists(cert) || !Files.exists(key)) return Optional.empty();
        try {
            List<X509Certificate> chain = Pem.certificates(Files.readString(cert), cert.toString());
            PrivateKey privateKey = Pem.privateKey(Files.readString(key), key.toString());
            if (!KeyAlgorithm.matches(chain.getFirst().getPublicKey(), privateKey)) return Optional.empty();
            return Optional.of(new NodeSvid(chain, privateKey));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Writes the key first: a crash between the two renames leaves a mismatch {@link #loadSvid} treats as absent. */
    public void saveSvid(NodeSvid svid) throws IOException {
        ensureDir();
        write(SVID_KEY, Pem.encode(svid.key()), OWNER_RW);
        write(SVID, svid.chainPem(), WORLD_READABLE);
    }

    public void saveTrust(ClusterTrust trust) throws IOException {
        ensureDir();
        write(BUNDLE, trust.bundle().toPem(), WORLD_READABLE);
        write(CRL, trust.crlPem(), WORLD_READABLE);
    }

    private void ensureDir() throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("the state directory " + dir + " is not a directory");
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    private void write(String name, String content, Set<PosixFilePermission> mode) throws IOException {
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(mode);
        Path tmp = Files.createTempFile(dir, "." + name + "-", ".tmp", attr);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.setPosixFilePermissions(tmp, mode); // createTempFile's mode is filtered by the umask
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public String toString() {
        return dir + " " + Arrays.asList(SVID, SVID_KEY, BUNDLE, CRL);
    }
}

package dev.ward.agent.encryption.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ward.agent.encryption.EpochKeyPair;
import dev.ward.agent.encryption.X25519;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The node's epoch keys in the agent's state directory ({@value #NAME}, mode 0600). Written to a temporary
 * file, synced and renamed over the old one, so a crash leaves either the old or the new keyring, never half.
 * A keyring that cannot be read is an error naming the problem: silently starting over would throw away keys
 * that installed SAs still use.
 */
public final class KeyringFile {
    public static final String NAME = "encryption-keyring.json";
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public KeyringFile(Path stateDir) {
        this.file = stateDir.resolve(NAME);
    }

    public Path path() {
        return file;
    }

    public PersistedKeys load() {
        if (!Files.exists(file)) {
            return PersistedKeys.none();
        }
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null || !root.isObject() || root.path("version").asInt() != VERSION) {
                throw invalid("is not a version " + VERSION + " keyring");
            }
            List<EpochKeyPair> keys = new ArrayList<>();
            for (JsonNode entry : root.path("epochs")) {
                keys.add(epochKey(entry));
            }
            Optional<Instant> lastRotation = root.hasNonNull("lastRotation")
                    ? Optional.of(Instant.parse(root.get("lastRotation").asText())) : Optional.empty();
            return new PersistedKeys(keys, root.path("rotationRequestsHandled").asLong(0), lastRotation);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the encryption keyring " + file + ": " + e.getMessage(), e);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    public void save(PersistedKeys keys) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        ArrayNode epochs = root.putArray("epochs");
        for (EpochKeyPair key : keys.keyring()) {
            epochs.addObject().put("epoch", key.epoch())
                    .put("privateKey", Base64.getEncoder().encodeToString(key.keyPair().getPrivate().getEncoded()))
                    .put("publicKey", Base64.getEncoder().encodeToString(X25519.rawPublicKey(key.keyPair().getPublic())));
        }
        root.put("rotationRequestsHandled", keys.rotationRequestsHandled());
        keys.lastRotation().ifPresent(at -> root.put("lastRotation", at.toString()));
        byte[] bytes = root.toPrettyString().getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), ".keyring-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.write(java.nio.ByteBuffer.wrap(bytes));
                    channel.force(true);
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the encryption keyring " + file + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private EpochKeyPair epochKey(JsonNode entry) {
        long epoch = entry.path("epoch").asLong(0);
        try {
            byte[] rawPublic = Base64.getDecoder().decode(entry.path("publicKey").asText());
            byte[] pkcs8 = Base64.getDecoder().decode(entry.path("privateKey").asText());
            PrivateKey privateKey = KeyFactory.getInstance("X25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            return new EpochKeyPair(epoch, new KeyPair(X25519.publicKey(rawPublic), privateKey));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw invalid("epoch " + epoch + " has an unusable key: " + e.getMessage());
        }
    }

    private IllegalStateException invalid(String problem) {
        return new IllegalStateException("the encryption keyring " + file + " " + problem
                + "; move it away to start with a new epoch (peers re-key, in-flight packets may drop)");
    }
}

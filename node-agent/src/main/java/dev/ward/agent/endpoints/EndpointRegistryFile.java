package dev.ward.agent.endpoints;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agentapi.EndpointState;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.label.LabelSet;
import dev.ward.policy.label.LabelSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The node's endpoints in the agent's state directory ({@value #NAME}), so a restarted agent knows them at once:
 * written to a temporary file, synced and renamed over the old one (a crash leaves the old or the new registry, never
 * half of one). A registry that cannot be read is an error naming the problem, not an empty node: forgetting
 * endpoints would leave their pods' datapath state without an owner.
 */
public final class EndpointRegistryFile {
    public static final String NAME = "endpoints.json";
    static final String FORMAT = "ward-endpoints";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The stored form: plain strings, readable with jq. */
    record Stored(String format, int version, List<StoredEndpoint> endpoints) {}

    record StoredEndpoint(String name, String namespace, String pod, String containerId, String ifname, String netns,
                          List<String> addresses, String veth, int vethIfindex, String labels, int identity,
                          EndpointState state, String stateReason) {}

    private final Path file;

    public EndpointRegistryFile(Path stateDir) {
        this.file = stateDir.resolve(NAME);
    }

    public Path path() {
        return file;
    }

    public List<Endpoint> load() {
        if (!Files.exists(file)) return List.of();
        Stored s;
        try {
            s = JSON.readValue(Files.readString(file), Stored.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the endpoint registry " + file + " cannot be read: " + e.getOriginalMessage()
                    + " (move it away to start with no endpoints; their pods then need a CNI ADD again)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the endpoint registry " + file + ": " + e.getMessage(), e);
        }
        if (s == null || !FORMAT.equals(s.format()) || s.version() != VERSION) {
            throw new IllegalStateException("the endpoint registry " + file + " is not a " + FORMAT + " version " + VERSION + " file");
        }
        try {
            return s.endpoints().stream().map(EndpointRegistryFile::endpoint).toList();
        } catch (RuntimeException e) {
            throw new IllegalStateException("the endpoint registry " + file + " holds an invalid endpoint: " + e.getMessage(), e);
        }
    }

    public void save(List<Endpoint> endpoints) {
        Stored s = new Stored(FORMAT, VERSION, endpoints.stream().map(EndpointRegistryFile::stored).toList());
        Path tmp = file.resolveSibling(NAME + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s).getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the endpoint registry " + file + ": " + e.getMessage(), e);
        }
    }

    private static StoredEndpoint stored(Endpoint e) {
        return new StoredEndpoint(e.name(), e.namespace(), e.pod(), e.containerId(), e.ifname(), e.netns(),
                e.addresses().stream().map(IpPrefix::toString).toList(), e.veth(), e.vethIfindex(), e.labels().toString(),
                e.identity(), e.state(), e.stateReason());
    }

    private static Endpoint endpoint(StoredEndpoint s) {
        return new Endpoint(s.name(), s.namespace(), s.pod(), s.containerId(), s.ifname(), s.netns(),
                s.addresses().stream().map(IpPrefix::parse).toList(), s.veth(), s.vethIfindex(), LabelSet.parse(s.labels(), LabelSource.K8S),
                s.identity(), s.state(), s.stateReason());
    }
}

package dev.ward.agent.endpoints;

import dev.ward.agentapi.EndpointState;
import dev.ward.netlink.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class EndpointRegistryFileTest {
    @TempDir
    Path dir;

    static Endpoint endpoint(String pod, String container, String address) {
        return new Endpoint("prod/" + pod, "prod", pod, container, "eth0", "/var/run/netns/" + container,
                List.of(IpPrefix.parse(address)), "veth" + pod, 17, PodLabels.of("prod", Map.of("app", pod), "default", Map.of(), "c1"),
                4711, EndpointState.READY, null);
    }

    @Test
    void aRestartedRegistryHoldsWhatTheLastOneWroteAndTheFileIsPrivate() throws Exception {
        EndpointRegistry r = new EndpointRegistry(new EndpointRegistryFile(dir));
        Endpoint web = endpoint("web", "c1", "10.244.1.5/32");
        Endpoint db = endpoint("db", "c2", "fd00::5/128");
        r.put(web);
        r.put(db);
        r.remove(web.attachment());
        EndpointRegistry again = new EndpointRegistry(new EndpointRegistryFile(dir));
        assertEquals(List.of(db), again.all());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(EndpointRegistryFile.NAME))));
        assertFalse(Files.exists(dir.resolve(EndpointRegistryFile.NAME + ".tmp")));
    }

    @Test
    void aRegistryThatCannotBeReadIsAnErrorNotAnEmptyNode() throws Exception {
        Files.writeString(dir.resolve(EndpointRegistryFile.NAME), "{\"format\":\"ward-endpoints\",\"version\":1,\"endpoints\":[{\"name\":");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new EndpointRegistry(new EndpointRegistryFile(dir)));
        assertTrue(e.getMessage().contains(EndpointRegistryFile.NAME) && e.getMessage().contains("cannot be read"), e.getMessage());
        Files.writeString(dir.resolve(EndpointRegistryFile.NAME), "{\"format\":\"something-else\",\"version\":1,\"endpoints\":[]}");
        assertTrue(assertThrows(IllegalStateException.class, () -> new EndpointRegistry(new EndpointRegistryFile(dir))).getMessage()
                .contains("is not a ward-endpoints version 1 file"));
    }

    @Test
    void aFailedWriteLeavesTheRegistryAsItWas() throws Exception {
        EndpointRegistry r = new EndpointRegistry(new EndpointRegistryFile(dir.resolve("state")));
        r.put(endpoint("web", "c1", "10.244.1.5/32"));
        // The temporary file's name taken by a directory: the next write cannot be made.
        Files.createDirectories(dir.resolve("state").resolve(EndpointRegistryFile.NAME + ".tmp").resolve("x"));
        assertThrows(RuntimeException.class, () -> r.put(endpoint("db", "c2", "10.244.1.6/32")));
        assertEquals(1, r.all().size(), "what could not be persisted is not in the registry either");
    }
}

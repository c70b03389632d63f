package dev.ward.testbed;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class EtcdProcessTest {
    @Test
    void startsARealEtcdThatAnswersAndCleansUpAfterItself() throws Exception {
        Path dataDir;
        try (EtcdProcess etcd = EtcdProcess.start()) {
            HttpResponse<String> version = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(etcd.endpoint() + "/version")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, version.statusCode());
            assertTrue(version.body().contains("etcdserver"), version.body());
            dataDir = Path.of(ProcessHandle.of(etcd.pid()).orElseThrow().info().arguments().orElseThrow()[3]).getParent();
            assertTrue(Files.isDirectory(dataDir));
        }
        assertFalse(Files.exists(dataDir), "data dir should be removed on close");
    }
}

package dev.ward.agentapi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The client and the server over a real Unix socket. */
class AgentApiServerTest {
    @TempDir
    Path dir;

    private final List<AgentApiServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(AgentApiServer::close);
    }

    private AgentApiServer serve(AgentApiServer.Handler h) throws IOException {
        AgentApiServer s = AgentApiServer.start(dir.resolve("run/agent.sock"), h, new AgentApiServer.Settings(Duration.ofSeconds(1), 4));
        servers.add(s);
        return s;
    }

    private AgentClient client(Duration timeout) {
        return new AgentClient(dir.resolve("run/agent.sock"), timeout);
    }

    @Test
    void anAddGetsItsInterimAndFinalAnswersInOrder() throws Exception {
        serve((request, out) -> {
            out.send(new ApiResponse.Accepted(ApiCodecTest.INFO));
            out.send(new ApiResponse.Ready(ApiCodecTest.INFO));
        });
        List<ApiResponse> interim = new ArrayList<>();
        ApiResponse last = client(Duration.ofSeconds(5)).call(ApiCodecTest.ADD, interim::add);
        assertEquals(List.of(new ApiResponse.Accepted(ApiCodecTest.INFO)), interim);
        assertEquals(new ApiResponse.Ready(ApiCodecTest.INFO), last);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run/agent.sock"))));
    }

    @Test
    void aFinalAnswerThatDoesNotComeInTimeIsATimeoutNamingTheLastInterimAnswer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        serve((request, out) -> {
            out.send(new ApiResponse.Accepted(ApiCodecTest.INFO));
            release.await(10, TimeUnit.SECONDS);
        });
        long start = System.nanoTime();
        AgentTimeoutException e = assertThrows(AgentTimeoutException.class,
                () -> client(Duration.ofMillis(300)).call(ApiCodecTest.ADD, r -> { }));
        release.countDown();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        assertInstanceOf(ApiResponse.Accepted.class, e.lastInterim());
        assertTrue(e.getMessage().contains("within 300 ms") && e.getMessage().contains("accepted"), e.getMessage());
    }

    @Test
    void aMissingSocketAndAStaleOneAreUnreachableAgents() throws Exception {
        AgentUnreachableException none = assertThrows(AgentUnreachableException.class,
                () -> client(Duration.ofSeconds(1)).call(new ApiRequest.ListEndpoints(), r -> { }));
        assertTrue(none.getMessage().contains("no such socket"), none.getMessage());
        AgentApiServer s = serve((request, out) -> out.send(new ApiResponse.Ok(List.of())));
        // A socket file nobody listens on any more, as a killed agent leaves it.
        Path stale = dir.resolve("stale.sock");
        try (var ch = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        AgentUnreachableException refused = assertThrows(AgentUnreachableException.class,
                () -> new AgentClient(stale, Duration.ofSeconds(1)).call(new ApiRequest.ListEndpoints(), r -> { }));
        assertTrue(refused.getMessage().contains("Connection refused"), refused.getMessage());
        // A new server replaces the stale file; a live one is never replaced.
        servers.add(AgentApiServer.start(stale, (request, out) -> out.send(new ApiResponse.Ok(List.of())), AgentApiServer.Settings.DEFAULT));
        IOException twice = assertThrows(IOException.class, () -> AgentApiServer.start(s.socket(), (request, out) -> { }, AgentApiServer.Settings.DEFAULT));
        assertTrue(twice.getMessage().contains("another process serves"), twice.getMessage());
    }

    @Test
    void aRequestInAnUnknownVersionGetsTheSupportedOnes() throws Exception {
        serve((request, out) -> fail("must not reach the handler"));
        String answer = raw("{\"version\":7,\"op\":\"endpoint-list\"}\n");
        ApiResponse.Failure f = (ApiResponse.Failure) ApiCodec.decodeResponse(answer.strip());
        assertEquals(ApiError.UNSUPPORTED_VERSION, f.code());
        assertEquals(List.of(1), f.supportedVersions());
    }

    @Test
    void anOversizedOrSilentClientIsCutOff() throws Exception {
        serve((request, out) -> fail("must not reach the handler"));
        String huge = "{\"version\":1,\"op\":\"endpoint-list\",\"pad\":\"" + "x".repeat(ApiProtocol.MAX_LINE_BYTES) + "\"}\n";
        ApiResponse.Failure f = (ApiResponse.Failure) ApiCodec.decodeResponse(raw(huge).strip());
        assertTrue(f.message().contains("longer than"), f.message());
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("run/agent.sock")))) {
            ByteBuffer b = ByteBuffer.allocate(16);
            long start = System.nanoTime();
            assertEquals(-1, c.read(b), "a client that sends nothing is closed after the request timeout");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    void aHandlerThatFailsOrSaysNothingStillGivesTheClientAFinalAnswer() throws Exception {
        serve((request, out) -> {
            if (request instanceof ApiRequest.ListEndpoints) throw new IllegalStateException("registry on fire");
        });
        ApiResponse.Failure thrown = (ApiResponse.Failure) client(Duration.ofSeconds(5)).call(new ApiRequest.ListEndpoints(), r -> { });
        assertEquals(ApiError.INTERNAL, thrown.code());
        assertTrue(thrown.message().contains("registry on fire"), thrown.message());
        ApiResponse.Failure silent = (ApiResponse.Failure) client(Duration.ofSeconds(5)).call(new ApiRequest.DeleteEndpoint("c", "eth0"), r -> { });
        assertTrue(silent.message().contains("no answer to endpoint-delete"), silent.message());
    }

    @Test
    void clientsBeyondTheLimitAreToldToComeBack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(4);
        serve((request, out) -> {
            busy.countDown();
            release.await(10, TimeUnit.SECONDS);
            out.send(new ApiResponse.Ok(List.of()));
        });
        List<Thread> waiting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiting.add(Thread.ofVirtual().start(() -> {
                try {
                    client(Duration.ofSeconds(10)).call(new ApiRequest.ListEndpoints(), r -> { });
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        ApiResponse.Failure f = (ApiResponse.Failure) client(Duration.ofSeconds(5)).call(new ApiRequest.ListEndpoints(), r -> { });
        assertEquals(ApiError.UNAVAILABLE, f.code());
        release.countDown();
        for (Thread t : waiting) t.join();
    }

    @Test
    void aStreamDeliversInterimAnswersUntilTheClientClosesAndTheHandlerLearnsItWithoutWriting() throws Exception {
        CountDownLatch gone = new CountDownLatch(1);
        serve((request, out) -> {
            for (int i = 0; i < 3; i++) out.send(new ApiResponse.FlowsLost(i));
            // Silent from here on: only the client's close can end this request.
            out.clientClosed().get(10, TimeUnit.SECONDS);
            gone.countDown();
        });
        AgentStream stream = client(Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(FlowFilter.ALL, 0));
        for (int i = 0; i < 3; i++) assertEquals(new ApiResponse.FlowsLost(i), stream.next());
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                assertNull(stream.next(), "a stream closed by its reader ends quietly");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        stream.close();
        reader.join(5000);
        assertFalse(reader.isAlive());
        assertTrue(gone.await(5, TimeUnit.SECONDS), "the handler saw its client go");
    }

    @Test
    void aStreamTheAgentCutsWithoutAFinalAnswerIsAnErrorNamingTheSocket() throws Exception {
        serve((request, out) -> out.send(new ApiResponse.FlowsLost(1)));
        // The server's FinalOnce answers "no answer" after the handler returns: a final Failure, not a cut.
        AgentStream stream = client(Duration.ofSeconds(5)).stream(new ApiRequest.FollowFlows(FlowFilter.ALL, 0));
        assertEquals(new ApiResponse.FlowsLost(1), stream.next());
        assertInstanceOf(ApiResponse.Failure.class, stream.next());
        IOException cut = assertThrows(IOException.class, stream::next);
        assertTrue(cut.getMessage().contains(dir.resolve("run/agent.sock").toString()), cut.getMessage());
        stream.close();
    }

    private String raw(String request) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("run/agent.sock")))) {
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            try {
                while (out.hasRemaining()) c.write(out);
            } catch (IOException e) {
                // the server may close before it has read everything (an oversized line): read its answer anyway
            }
            ByteBuffer in = ByteBuffer.allocate(1 << 16);
            while (c.read(in) >= 0) { }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        }
    }
}

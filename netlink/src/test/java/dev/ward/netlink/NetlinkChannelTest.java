package dev.ward.netlink;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetlinkChannelTest {
    private static List<NetlinkRequest> requests(int n) {
        List<NetlinkRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new NetlinkRequest(0x10, NetlinkFlags.CREATE, new byte[] {(byte) i, 0, 0, 0}, "object " + i));
        return out;
    }

    private static int objectIndex(NetlinkMessage m) {
        return Byte.toUnsignedInt(m.payload().get(0));
    }

    @Test
    void batchReportsExactlyTheRefusedRequests() {
        Set<Integer> refused = Set.of(3, 17, 18, 99);
        ScriptedKernel kernel = new ScriptedKernel(m -> refused.contains(objectIndex(m)) ? Errno.EEXIST : 0, m -> List.of(), 1 << 20);
        BatchResult r = new NetlinkChannel(kernel).executeAll(requests(100));
        assertEquals(100, r.requested());
        assertEquals(96, r.succeeded());
        assertEquals(List.of(3, 17, 18, 99), r.failures().stream().map(BatchResult.Failure::index).toList());
        BatchResult.Failure f = r.failures().get(1);
        assertEquals("object 17", f.error().subject());
        assertEquals(Errno.EEXIST, f.error().errno());
        assertEquals("scripted refusal", f.error().kernelMessage());
        assertEquals(1, kernel.sent.size(), "one send for the whole batch");
        List<NetlinkMessage> sent = kernel.sent.getFirst();
        for (int i = 0; i < sent.size(); i++) {
            boolean acked = (sent.get(i).flags() & NetlinkFlags.ACK) != 0;
            assertEquals(i == sent.size() - 1, acked, "only the last message asks for an ACK");
        }
    }

    @Test
    void batchIsCutByMessageCountAndBytes() {
        ScriptedKernel kernel = new ScriptedKernel(m -> objectIndex(m) == 9 ? Errno.EINVAL : 0, m -> List.of(), 100);
        BatchResult r = new NetlinkChannel(kernel, 4).executeAll(requests(10));
        // 20-byte messages, 100-byte sends -> at most 4 per send (count limit), 3 sends.
        assertEquals(List.of(4, 4, 2), kernel.sent.stream().map(List::size).toList());
        assertEquals(List.of(9), r.failures().stream().map(BatchResult.Failure::index).toList());
    }

    @Test
    void lastRequestFailingEndsTheBatch() {
        ScriptedKernel kernel = new ScriptedKernel(m -> objectIndex(m) == 4 ? Errno.ENOENT : 0, m -> List.of(), 1 << 20);
        BatchResult r = new NetlinkChannel(kernel).executeAll(requests(5));
        assertEquals(List.of(4), r.failures().stream().map(BatchResult.Failure::index).toList());
    }

    @Test
    void executeThrowsTheKernelsRefusal() {
        ScriptedKernel kernel = new ScriptedKernel(m -> Errno.EPERM, m -> List.of(), 1 << 20);
        NetlinkException e = assertThrows(NetlinkException.class,
                () -> new NetlinkChannel(kernel).execute(requests(1).getFirst()));
        assertEquals("object 0: scripted refusal (EPERM)", e.getMessage());
    }

    @Test
    void silentKernelMakesTheOutcomeUnknownNotSuccess() {
        ScriptedKernel kernel = new ScriptedKernel(m -> 0, m -> List.of(), 1 << 20) {
            @Override
            public void send(ByteBuffer datagram) {
                sent.add(NetlinkMessageDecoder.decode(datagram));
            }
        };
        NetlinkTimeoutException e = assertThrows(NetlinkTimeoutException.class,
                () -> new NetlinkChannel(kernel).executeAll(requests(3)));
        assertTrue(e.getMessage().contains("outcome is unknown"), e.getMessage());
    }

    @Test
    void droppedRepliesMakeTheOutcomeUnknownAndSayWhich() {
        ScriptedKernel kernel = new ScriptedKernel(m -> 0, m -> List.of(), 1 << 20) {
            @Override
            public ByteBuffer receive() {
                throw new dev.ward.netlink.sys.SyscallException("recv", Errno.ENOBUFS);
            }
        };
        NetlinkTimeoutException e = assertThrows(NetlinkTimeoutException.class, () -> new NetlinkChannel(kernel, 4).executeAll(requests(3)));
        assertEquals("the kernel dropped replies for requests 0..2 of the batch (receive buffer full, ENOBUFS); their outcome is unknown",
                e.getMessage());
    }

    @Test
    void dumpCollectsMultipartAcrossDatagramsAndSkipsStaleReplies() {
        ScriptedKernel kernel = new ScriptedKernel(m -> 0, req -> List.of(
                ScriptedKernel.message(0x10, NetlinkFlags.MULTI, req.seq() - 1, new byte[] {42, 0, 0, 0}), // stale
                ScriptedKernel.concat(
                        ScriptedKernel.message(0x10, NetlinkFlags.MULTI, req.seq(), new byte[] {1, 0, 0, 0}),
                        ScriptedKernel.message(0x10, NetlinkFlags.MULTI, req.seq(), new byte[] {2, 0, 0, 0})),
                ScriptedKernel.concat(
                        ScriptedKernel.message(0x10, NetlinkFlags.MULTI, req.seq(), new byte[] {3, 0, 0, 0}),
                        ScriptedKernel.message(NetlinkFlags.NLMSG_DONE, NetlinkFlags.MULTI, req.seq(), new byte[4]))), 1 << 20);
        List<NetlinkMessage> got = new NetlinkChannel(kernel).dump(new NetlinkRequest(0x12, 0, new byte[0], "dump"));
        assertEquals(List.of(1, 2, 3), got.stream().map(NetlinkChannelTest::objectIndex).toList());
        assertEquals(NetlinkFlags.REQUEST | NetlinkFlags.DUMP, kernel.sent.getFirst().getFirst().flags());
    }

    @Test
    void interruptedDumpIsRepeated() {
        int[] calls = {0};
        ScriptedKernel kernel = new ScriptedKernel(m -> 0, req -> {
            int flags = NetlinkFlags.MULTI | (calls[0]++ == 0 ? NetlinkFlags.DUMP_INTR : 0);
            return List.of(ScriptedKernel.concat(
                    ScriptedKernel.message(0x10, flags, req.seq(), new byte[] {(byte) calls[0], 0, 0, 0}),
                    ScriptedKernel.message(NetlinkFlags.NLMSG_DONE, NetlinkFlags.MULTI, req.seq(), new byte[4])));
        }, 1 << 20);
        List<NetlinkMessage> got = new NetlinkChannel(kernel).dump(new NetlinkRequest(0x12, 0, new byte[0], "dump"));
        assertEquals(2, calls[0]);
        assertEquals(List.of(2), got.stream().map(NetlinkChannelTest::objectIndex).toList());
    }

    @Test
    void dumpErrorIsThrownWithItsSubject() {
        ScriptedKernel kernel = new ScriptedKernel(m -> 0, req -> List.of(
                ScriptedKernel.errorReply(req, Errno.EPERM, null)), 1 << 20);
        NetlinkException e = assertThrows(NetlinkException.class,
                () -> new NetlinkChannel(kernel).dump(new NetlinkRequest(0x12, 0, new byte[0], "xfrm state dump")));
        assertEquals("xfrm state dump: Operation not permitted (EPERM)", e.getMessage());
    }
}

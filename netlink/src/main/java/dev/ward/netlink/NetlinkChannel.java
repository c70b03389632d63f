package dev.ward.netlink;

import dev.ward.netlink.sys.SyscallException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request/reply conversations over one netlink transport: sequence numbers, ACKs and errors, dumps and batches.
 *
 * <p>Batches are how Ward is fast: many messages go to the kernel in one send, and the kernel processes them in
 * order before the send returns. Only the last message of each send asks for an ACK; every other message
 * answers only when it fails. Each error reply carries its request's sequence number, so failures are matched
 * exactly, and the final ACK proves the kernel reached the end, which makes every unanswered message a success
 * rather than a guess. Sends are cut so that even a batch in which every message fails fits the socket's
 * receive buffer (a reply dropped for lack of room would be a guess again).
 */
public final class NetlinkChannel implements AutoCloseable {
    /** At most this many messages per send, so that all-failing replies fit the receive buffer. */
    private final int maxMessagesPerSend;
    private final NetlinkTransport transport;
    private int nextSeq = ThreadLocalRandom.current().nextInt(1, 1 << 30);

    public NetlinkChannel(NetlinkTransport transport) {
        this(transport, transport.maxMessagesPerSend());
    }

    public NetlinkChannel(NetlinkTransport transport, int maxMessagesPerSend) {
        this.transport = transport;
        this.maxMessagesPerSend = maxMessagesPerSend;
    }

    private int seq() {
        int s = nextSeq++;
        if (nextSeq == Integer.MAX_VALUE) nextSeq = 1;
        return s;
    }

    /** Sends one request and waits for its ACK; throws the kernel's refusal. */
    public synchronized void execute(NetlinkRequest request) {
        BatchResult r = executeAll(List.of(request));
        if (!r.allSucceeded()) throw r.failures().getFirst().error();
    }

    /** Sends a request that the kernel answers with exactly one message (a get) and returns that message. */
    public synchronized NetlinkMessage query(NetlinkRequest request) {
        int seq = seq();
        sendOne(request, NetlinkFlags.REQUEST | request.flags(), seq);
        while (true) {
            for (NetlinkMessage m : NetlinkMessageDecoder.decode(transport.receive())) {
                if (m.seq() != seq) continue;
                if (m.isError()) {
                    NetlinkErrorReply e = NetlinkErrorReply.decode(m);
                    if (e.isAck()) throw new MalformedNetlinkMessageException(request.subject() + ": ACK without a reply");
                    throw new NetlinkException(request.subject(), e.errno(), e.kernelMessage());
                }
                return m;
            }
        }
    }

    /**
     * Runs a dump and returns every message of it. A dump the kernel marks as interrupted (the table changed
     * while it was being read) is repeated, since its content may be inconsistent.
     */
    public synchronized List<NetlinkMessage> dump(NetlinkRequest request) {
        for (int attempt = 1; ; attempt++) {
            int seq = seq();
            sendOne(request, NetlinkFlags.REQUEST | NetlinkFlags.DUMP | request.flags(), seq);
            List<NetlinkMessage> out = new ArrayList<>();
            boolean interrupted = false;
            boolean done = false;
            while (!done) {
                for (NetlinkMessage m : NetlinkMessageDecoder.decode(transport.receive())) {
                    if (m.seq() != seq) continue;
                    if ((m.flags() & NetlinkFlags.DUMP_INTR) != 0) interrupted = true;
                    if (m.isDone()) {
                        int err = m.payloadLength() >= 4 ? -m.payload().getInt(0) : 0;
                        if (err != 0) throw new NetlinkException(request.subject(), err, null);
                        done = true;
                        break;
                    }
                    if (m.isError()) {
                        NetlinkErrorReply e = NetlinkErrorReply.decode(m);
                        throw new NetlinkException(request.subject(), e.errno(), e.kernelMessage());
                    }
                    out.add(m);
                }
            }
            if (!interrupted || attempt == 3) return out;
        }
    }

    /** Sends requests in as few sends as fit and reports exactly which ones the kernel refused. */
    public synchronized BatchResult executeAll(List<NetlinkRequest> requests) {
        List<BatchResult.Failure> failures = new ArrayList<>();
        int i = 0;
        while (i < requests.size()) {
            int end = chunkEnd(requests, i);
            sendChunk(requests, i, end, failures);
            i = end;
        }
        return new BatchResult(requests.size(), failures);
    }

    private int chunkEnd(List<NetlinkRequest> requests, int from) {
        int bytes = 0;
        int end = from;
        while (end < requests.size() && end - from < maxMessagesPerSend) {
            int len = requests.get(end).encodedLength();
            if (end > from && bytes + len > transport.maxSendBytes()) break;
            bytes += len;
            end++;
        }
        return end;
    }

    private void sendChunk(List<NetlinkRequest> requests, int from, int end, List<BatchResult.Failure> failures) {
        int bytes = 0;
        for (int k = from; k < end; k++) bytes += requests.get(k).encodedLength();
        ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder());
        Map<Integer, Integer> indexBySeq = new HashMap<>();
        int lastSeq = 0;
        for (int k = from; k < end; k++) {
            NetlinkRequest r = requests.get(k);
            lastSeq = seq();
            indexBySeq.put(lastSeq, k);
            int flags = NetlinkFlags.REQUEST | r.flags() | (k == end - 1 ? NetlinkFlags.ACK : 0);
            NetlinkRequestEncoder.encode(out, r, flags, lastSeq);
        }
        transport.send(out.flip());
        boolean reachedEnd = false;
        while (!reachedEnd) {
            ByteBuffer datagram;
            try {
                datagram = transport.receive();
            } catch (NetlinkTimeoutException e) {
                throw new NetlinkTimeoutException("no answer from the kernel for requests " + from + ".." + (end - 1)
                        + " of the batch (" + failures.size() + " failures so far); their outcome is unknown");
            } catch (SyscallException e) {
                if (e.errno() != Errno.ENOBUFS) throw e;
                throw new NetlinkTimeoutException("the kernel dropped replies for requests " + from + ".." + (end - 1)
                        + " of the batch (receive buffer full, ENOBUFS); their outcome is unknown");
            }
            for (NetlinkMessage m : NetlinkMessageDecoder.decode(datagram)) {
                Integer index = indexBySeq.get(m.seq());
                if (index == null || !m.isError()) continue;
                NetlinkErrorReply e = NetlinkErrorReply.decode(m);
                NetlinkRequest r = requests.get(index);
                if (!e.isAck()) {
                    failures.add(new BatchResult.Failure(index, r, new NetlinkException(r.subject(), e.errno(), e.kernelMessage())));
                }
                if (m.seq() == lastSeq) reachedEnd = true;
            }
        }
    }

    private void sendOne(NetlinkRequest request, int flags, int seq) {
        ByteBuffer out = ByteBuffer.allocate(request.encodedLength()).order(ByteOrder.nativeOrder());
        NetlinkRequestEncoder.encode(out, request, flags, seq);
        transport.send(out.flip());
    }

    @Override
    public void close() {
        transport.close();
    }
}

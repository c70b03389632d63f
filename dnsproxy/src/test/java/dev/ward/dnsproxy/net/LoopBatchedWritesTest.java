package dev.ward.dnsproxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Datagrams written on their socket's loop leave once the loop has finished its current work, all of them, in order;
 * from another thread they leave at once.
 */
class LoopBatchedWritesTest {
    private EventLoopGroup group;
    private Channel sender;
    private DatagramChannel receiver;

    @BeforeEach
    void sockets() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        sender = new Bootstrap().group(group).channel(EpollDatagramChannel.class).handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        receiver = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        receiver.configureBlocking(false);
    }

    @AfterEach
    void close() throws Exception {
        sender.close().sync();
        receiver.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aBurstOnTheLoopLeavesWhenTheLoopIsDoneWithIt() throws Exception {
        InetSocketAddress to = (InetSocketAddress) receiver.getLocalAddress();
        String seenInsideTheBurst = sender.eventLoop().submit(() -> {
            for (int i = 0; i < 20; i++) LoopBatchedWrites.write(sender, datagram("q" + i, to));
            return receive(); // still inside the loop's turn: nothing may have left yet
        }).get(5, TimeUnit.SECONDS);
        assertNull(seenInsideTheBurst, "a write on the loop waits for the end of the loop's turn");
        assertEquals(numbered("q", 20), receiveAll(20));
    }

    @Test
    void aWriteFromAnotherThreadLeavesAtOnceAndOneFromAListenerIsNotLost() throws Exception {
        InetSocketAddress to = (InetSocketAddress) receiver.getLocalAddress();
        LoopBatchedWrites.write(sender, datagram("outside", to)).sync();
        assertEquals(List.of("outside"), receiveAll(1));
        sender.eventLoop().submit(() -> LoopBatchedWrites.write(sender, datagram("first", to))
                .addListener(f -> LoopBatchedWrites.write(sender, datagram("second", to)))).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("first", "second"), receiveAll(2));
    }

    private static DatagramPacket datagram(String text, InetSocketAddress to) {
        return new DatagramPacket(Unpooled.wrappedBuffer(text.getBytes()), to);
    }

    private String receive() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64);
        if (receiver.receive(b) == null) return null;
        return new String(b.array(), 0, b.position());
    }

    private List<String> receiveAll(int n) throws Exception {
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (out.size() < n && System.nanoTime() < deadline) {
            String s = receive();
            if (s == null) Thread.sleep(1);
            else out.add(s);
        }
        Thread.sleep(50);
        String extra = receive();
        if (extra != null) out.add(extra);
        return out;
    }

    private static List<String> numbered(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + i);
        return out;
    }
}

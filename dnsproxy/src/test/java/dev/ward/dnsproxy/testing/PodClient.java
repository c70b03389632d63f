package dev.ward.dnsproxy.testing;

import dev.ward.netlink.NetworkNamespace;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** A pod's resolver, in the pod namespace with a chosen source address, sending straight to a server's port 53. */
public final class PodClient {
    /** The answer and where it came from (a transparent proxy answers as the server that was asked). */
    public record Answer(Message message, InetSocketAddress from, long receivedNanos) {}

    private final String netns;
    private final InetAddress source;

    public PodClient(String netns, String source) {
        this.netns = netns;
        this.source = address(source);
    }

    public static Message query(String name, int type) {
        try {
            Message m = Message.newQuery(Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."), type, DClass.IN));
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code wire} over UDP and waits for one datagram back; null when none came within {@code timeoutMs}. */
    public Answer udp(String server, byte[] wire, int timeoutMs) {
        try (DatagramSocket s = NetworkNamespace.openIn(netns, () -> {
            try {
                return new DatagramSocket(new InetSocketAddress(source, 0));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            s.setSoTimeout(timeoutMs);
            s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress(address(server), 53)));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            long at = System.nanoTime();
            byte[] got = java.util.Arrays.copyOf(p.getData(), p.getLength());
            return new Answer(new Message(got), (InetSocketAddress) p.getSocketAddress(), at);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Answer udp(String server, Message query) {
        return udp(server, query.toWire(), 3000);
    }

    /** One query over a new TCP connection to {@code server}:53. */
    public Answer tcp(String server, Message query) {
        try (Socket s = NetworkNamespace.openIn(netns, () -> {
            try {
                Socket sock = new Socket();
                sock.bind(new InetSocketAddress(source, 0));
                sock.connect(new InetSocketAddress(address(server), 53), 3000);
                return sock;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            s.setSoTimeout(3000);
            byte[] wire = query.toWire();
            byte[] framed = new byte[wire.length + 2];
            framed[0] = (byte) (wire.length >> 8);
            framed[1] = (byte) wire.length;
            System.arraycopy(wire, 0, framed, 2, wire.length);
            s.getOutputStream().write(framed);
            DataInputStream in = new DataInputStream(s.getInputStream());
            int len = in.readUnsignedShort();
            byte[] got = new byte[len];
            in.readFully(got);
            return new Answer(new Message(got), (InetSocketAddress) s.getRemoteSocketAddress(), System.nanoTime());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

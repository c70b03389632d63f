package dev.ward.lab;

import dev.ward.netlink.IpPrefix;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a capture of the underlay shows about pod traffic between nodes. With encryption working, every IPv4
 * packet between two node addresses is ESP, no packet on the wire is addressed to or from a pod, and none of
 * the payload markers the lab's traffic carries appears anywhere in the captured bytes.
 */
public record UnderlayCapture(int frames, int esp, int plaintextBetweenNodes, int podAddressed, int markerHits,
                             int maxEspBytes, Set<String> spis, List<String> plaintextExamples) {
    private static final int IPPROTO_ESP = 50;

    public boolean onlyEsp() {
        return esp > 0 && plaintextBetweenNodes == 0 && podAddressed == 0 && markerHits == 0;
    }

    public String describe() {
        return frames + " frames: " + esp + " ESP between nodes (SPIs " + spis + ", largest " + maxEspBytes + " bytes), "
                + plaintextBetweenNodes + " non-ESP between nodes, " + podAddressed + " with pod addresses on the wire, "
                + markerHits + " carrying a payload marker in clear" + (plaintextExamples.isEmpty() ? "" : "; e.g. " + plaintextExamples);
    }

    /**
     * @param nodes   the nodes' underlay addresses
     * @param pods    the cluster's pod address range
     * @param markers byte strings the lab's traffic carries in its payloads
     */
    public static UnderlayCapture analyse(List<Pcap.Frame> frames, Set<InetAddress> nodes, IpPrefix pods, List<byte[]> markers) {
        int esp = 0, plain = 0, podAddressed = 0, markerHits = 0, maxEsp = 0;
        Set<String> spis = new TreeSet<>();
        List<String> examples = new java.util.ArrayList<>();
        for (Pcap.Frame f : frames) {
            for (byte[] m : markers) {
                if (Bytes.contains(f.payload(), m)) {
                    markerHits++;
                    break;
                }
            }
            if (!f.ipv4()) continue;
            byte[] ip = f.payload();
            InetAddress src = address(ip, 12), dst = address(ip, 16);
            int protocol = ip[9] & 0xff;
            if (Bytes.within(pods, src) || Bytes.within(pods, dst)) {
                podAddressed++;
                if (examples.size() < 3) examples.add(describe(src, dst, protocol));
            }
            if (!nodes.contains(src) || !nodes.contains(dst)) continue;
            if (protocol == IPPROTO_ESP) {
                esp++;
                int total = (ip[2] & 0xff) << 8 | (ip[3] & 0xff);
                maxEsp = Math.max(maxEsp, total);
                int header = (ip[0] & 0x0f) * 4;
                if (ip.length >= header + 4) spis.add(String.format("0x%08x", java.nio.ByteBuffer.wrap(ip, header, 4).getInt()));
            } else {
                plain++;
                if (examples.size() < 3) examples.add(describe(src, dst, protocol));
            }
        }
        return new UnderlayCapture(frames.size(), esp, plain, podAddressed, markerHits, maxEsp, spis, List.copyOf(examples));
    }

    private static String describe(InetAddress src, InetAddress dst, int protocol) {
        return src.getHostAddress() + "->" + dst.getHostAddress() + " proto " + protocol;
    }

    private static InetAddress address(byte[] ip, int at) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(ip, at, at + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}

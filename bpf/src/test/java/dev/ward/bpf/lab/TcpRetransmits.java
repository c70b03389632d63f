package dev.ward.bpf.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many segments a pod's TCP connections to one peer retransmitted, from the kernel's own socket statistics
 * ({@code ss -ti} in the pod's namespace): 0 means no segment of those connections was lost, which is stricter than
 * "every byte arrived" (TCP recovers a drop by retransmitting).
 */
public final class TcpRetransmits {
    private static final Pattern RETRANS = Pattern.compile("retrans:\\d+/(\\d+)");

    private TcpRetransmits() {}

    /** Total retransmissions of {@code netns}'s open connections with {@code peer}. */
    public static long to(String netns, InetAddress peer) {
        List<String> cmd = List.of("ip", "netns", "exec", netns, "ss", "-tinH", "dst", peer.getHostAddress());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            long total = 0;
            Matcher m = RETRANS.matcher(out);
            while (m.find()) total += Long.parseLong(m.group(1));
            return total;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

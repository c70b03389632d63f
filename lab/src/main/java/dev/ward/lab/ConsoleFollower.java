package dev.ward.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Follows a guest's console log while the guest runs and prints what the lab main writes, as it writes it,
 * leaving out the kernel's own messages (timestamped {@code [   1.234]}) and everything before the first scenario.
 */
final class ConsoleFollower implements AutoCloseable {
    private final Path console;
    private final PrintStream out;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean started;
    private long position;
    private final StringBuilder partial = new StringBuilder();
    private final java.util.ArrayDeque<String> last = new java.util.ArrayDeque<>();

    private ConsoleFollower(Path console, PrintStream out) {
        this.console = console;
        this.out = out;
        this.thread = Thread.ofPlatform().daemon().name("console-follower").start(this::follow);
    }

    static ConsoleFollower start(Path console, PrintStream out) {
        return new ConsoleFollower(console, out);
    }

    private void follow() {
        while (running) {
            poll();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
        }
        poll();
    }

    private synchronized void poll() {
        if (!Files.exists(console)) return;
        try (RandomAccessFile f = new RandomAccessFile(console.toFile(), "r")) {
            if (f.length() <= position) return;
            f.seek(position);
            byte[] b = new byte[(int) Math.min(f.length() - position, 1 << 20)];
            f.readFully(b);
            position += b.length;
            partial.append(new String(b, StandardCharsets.UTF_8));
            for (int nl; (nl = partial.indexOf("\n")) >= 0; ) {
                line(partial.substring(0, nl).replace("\r", ""));
                partial.delete(0, nl + 1);
            }
        } catch (IOException e) {
            // the console is written by another process; try again on the next poll
        }
    }

    static boolean kernelMessage(String line) {
        return line.matches("^\\[ *\\d+\\.\\d+\\].*");
    }

    /** Whether the lab main printed its first scenario line. */
    synchronized boolean sawOutput() {
        poll();
        return started;
    }

    /** The console's last {@code n} lines, whatever printed them. */
    synchronized String tail(int n) {
        poll();
        return String.join("\n", last.stream().skip(Math.max(0, last.size() - n)).toList());
    }

    private void line(String line) {
        last.addLast(line);
        if (last.size() > 50) last.removeFirst();
        if (line.startsWith("== ")) started = true;
        if (started && !kernelMessage(line) && !line.startsWith("WARD-GUEST-EXIT")) out.println(line);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        poll();
    }
}

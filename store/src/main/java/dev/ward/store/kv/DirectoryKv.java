package dev.ward.store.kv;

import dev.ward.store.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@link VersionedKv} in a local directory, for single-host clusters and development ({@code --store dir:PATH}).
 * One file per key (the key URL-encoded), each starting with its version line. Transactions run under an
 * exclusive lock (a file lock between processes, a {@link ReentrantLock} between threads, because the JVM refuses
 * overlapping file locks within one process) and replace files by atomic rename, so readers never see a
 * half-written value. Watches use the kernel's inotify through {@link WatchService}: a write by another process
 * or handle is seen as the key's state when the event is read, so two quick writes to one key may arrive as one.
 * A write through this handle is delivered exactly as committed, however quickly the next one follows.
 * Both kinds pass through one queue, filled under the transaction lock, so a watcher sees them in commit order.
 */
public final class DirectoryKv implements VersionedKv {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryKv.class);
    private static final Map<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();
    private static final String LOCK = ".lock";
    private static final String REVISION = ".revision";
    private static final String TEMP_PREFIX = ".tmp-";

    private final Path dir;
    private final ReentrantLock threadLock;
    private final List<PrefixListener> listeners = new CopyOnWriteArrayList<>();
    private volatile WatchLoop watchLoop;

    /**
     * One watcher and the versions it was given, so that after an inotify overflow (events lost) it is handed
     * exactly what differs, deletions included. Until {@link #begin} its events wait, so that a {@link #follow}
     * listing comes first and nothing after it is lost.
     */
    private static final class PrefixListener {
        private final String prefix;
        private final Consumer<KvEvent> listener;
        private final Map<String, Long> delivered = new java.util.HashMap<>();
        private List<KvEvent> waiting = new ArrayList<>();
        /** Changes queued before this were already in the listing it began with. */
        private long firstChange;

        PrefixListener(String prefix, Consumer<KvEvent> listener) {
            this.prefix = prefix;
            this.listener = listener;
        }

        synchronized void begin(List<KvEntry> current, boolean deliver) {
            for (KvEntry e : current) {
                if (deliver) emit(new KvEvent(e.key(), e.value(), e.version()));
                else delivered.put(e.key(), e.version());
            }
            List<KvEvent> held = waiting;
            waiting = null;
            held.forEach(this::accept);
        }

        synchronized void accept(KvEvent event) {
            if (waiting != null) {
                waiting.add(event);
                return;
            }
            Long seen = delivered.get(event.key());
            // The same state twice (a listing and the event of the write it saw) is delivered once.
            if (event.deleted() ? seen == null : Long.valueOf(event.version()).equals(seen)) return;
            emit(event);
        }

        /** After lost events: what differs between {@code current} and what this listener was given. */
        synchronized void resync(List<KvEntry> current) {
            java.util.Set<String> present = new java.util.HashSet<>();
            for (KvEntry e : current) {
                present.add(e.key());
                accept(new KvEvent(e.key(), e.value(), e.version()));
            }
            for (String key : List.copyOf(delivered.keySet())) {
                if (!present.contains(key)) accept(new KvEvent(key, null, 0));
            }
        }

        private void emit(KvEvent event) {
            if (event.deleted()) delivered.remove(event.key());
            else delivered.put(event.key(), event.version());
            try {
                listener.accept(event);
            } catch (RuntimeException ex) {
                LOG.warn("store watcher for {} failed: {}", prefix, ex.getMessage(), ex);
            }
        }
    }

    public DirectoryKv(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.dir);
        } catch (IOException e) {
            throw new KvStoreException("cannot create store directory " + this.dir + ": " + e.getMessage(), e);
        }
        this.threadLock = IN_PROCESS_LOCKS.computeIfAbsent(this.dir, p -> new ReentrantLock());
    }

    @Override
    public Optional<KvEntry> get(String key) {
        return read(key, dir.resolve(fileName(key)));
    }

    @Override
    public List<KvEntry> list(String prefix) {
        List<KvEntry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith(".")) continue;
                String key = keyOf(name);
                if (key.startsWith(prefix)) read(key, f).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new KvStoreException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public boolean commit(KvTxn txn) {
        threadLock.lock();
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            for (KvTxn.Guard g : txn.guards()) {
                long actual = get(g.key()).map(KvEntry::version).orElse(0L);
                if (actual != g.version()) return false;
            }
            long revision = nextRevision();
            WatchLoop watching = watchLoop;
            for (KvTxn.Write w : txn.writes()) {
                Path target = dir.resolve(fileName(w.key()));
                if (w.value() == null) {
                    if (Files.deleteIfExists(target) && watching != null) watching.queue(new KvEvent(w.key(), null, 0));
                } else {
                    byte[] header = (revision + "\n").getBytes(StandardCharsets.US_ASCII);
                    byte[] content = Arrays.copyOf(header, header.length + w.value().length);
                    System.arraycopy(w.value(), 0, content, header.length, w.value().length);
                    replace(target, content);
                    if (watching != null) watching.queue(new KvEvent(w.key(), w.value(), revision));
                }
            }
            return true;
        } catch (IOException e) {
            throw new KvStoreException("cannot write to " + dir + ": " + e.getMessage(), e);
        } finally {
            threadLock.unlock();
        }
    }

    @Override
    public Subscription watch(String prefix, Consumer<KvEvent> listener) {
        return subscribe(prefix, listener, false);
    }

    @Override
    public Subscription follow(String prefix, Consumer<KvEvent> listener) {
        return subscribe(prefix, listener, true);
    }

    private Subscription subscribe(String prefix, Consumer<KvEvent> listener, boolean deliverCurrent) {
        PrefixListener l = new PrefixListener(prefix, listener);
        WatchLoop watching = ensureWatching();
        List<KvEntry> current;
        threadLock.lock();
        try {
            // Listed under the transaction lock: every queued change is either in the listing or after it.
            l.firstChange = watching.nextChange();
            listeners.add(l);
            current = list(prefix);
        } finally {
            threadLock.unlock();
        }
        // Changes dispatched before the listing is delivered wait for it, so the listing comes first.
        l.begin(current, deliverCurrent);
        return () -> listeners.remove(l);
    }

    @Override
    public String describe() {
        return "directory " + dir;
    }

    @Override
    public void close() {
        WatchLoop w = watchLoop;
        if (w != null) w.stop();
    }

    private long nextRevision() throws IOException {
        Path f = dir.resolve(REVISION);
        long current = Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
        replace(f, Long.toString(current + 1).getBytes(StandardCharsets.US_ASCII));
        return current + 1;
    }

    private void replace(Path target, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(dir, TEMP_PREFIX, "");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(content));
            ch.force(true); // the rename must not publish a file whose data is not on disk yet
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("the store directory does not support atomic renames", e);
        }
    }

    private Optional<KvEntry> read(String key, Path file) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new KvStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int nl = indexOf(raw, (byte) '\n');
        long version;
        try {
            version = nl < 0 ? -1 : Long.parseLong(new String(raw, 0, nl, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            version = -1;
        }
        if (version <= 0) throw new KvStoreException("store file " + file + " has no version line (edited by hand?)", null);
        return Optional.of(new KvEntry(key, Arrays.copyOfRange(raw, nl + 1, raw.length), version));
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) if (b[i] == v) return i;
        return -1;
    }

    static String fileName(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8);
    }

    static String keyOf(String fileName) {
        return URLDecoder.decode(fileName, StandardCharsets.UTF_8);
    }

    private synchronized WatchLoop ensureWatching() {
        if (watchLoop == null) {
            watchLoop = new WatchLoop();
            watchLoop.start();
        }
        return watchLoop;
    }

    /**
     * One inotify watch on the directory and one thread that hands the queued changes to the prefix listeners.
     * Listeners run only on that thread, one change at a time, so a listener may block or write to the store.
     */
    private final class WatchLoop {
        private record Change(long sequence, KvEvent event, List<KvEntry> resync) { }

        private final WatchService service;
        private final Thread inotify;
        private final Thread dispatcher;
        private final java.util.concurrent.LinkedBlockingQueue<Change> changes = new java.util.concurrent.LinkedBlockingQueue<>();
        private long sequence;

        WatchLoop() {
            try {
                service = FileSystems.getDefault().newWatchService();
                dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            } catch (IOException e) {
                throw new KvStoreException("cannot watch " + dir + ": " + e.getMessage(), e);
            }
            inotify = new Thread(this::readInotify, "ward-dir-watch");
            inotify.setDaemon(true);
            dispatcher = new Thread(this::dispatch, "ward-dir-dispatch");
            dispatcher.setDaemon(true);
        }

        void start() {
            inotify.start();
            dispatcher.start();
        }

        void stop() {
            try {
                service.close();
            } catch (IOException ignored) {
                // closing a watch service only releases the inotify descriptor
            }
            dispatcher.interrupt();
        }

        /** Called under the transaction lock. */
        long nextChange() {
            return sequence;
        }

        /** Called under the transaction lock, which orders the queue as the commits are ordered. */
        void queue(KvEvent event) {
            changes.add(new Change(sequence++, event, null));
        }

        private void readInotify() {
            try {
                while (true) {
                    WatchKey key = service.take();
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                            queueResync();
                            continue;
                        }
                        String name = event.context().toString();
                        if (name.startsWith(".")) continue;
                        queueStateOf(keyOf(name));
                    }
                    if (!key.reset()) return;
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // stopped
            }
        }

        private void queueStateOf(String key) {
            threadLock.lock();
            try {
                KvEvent event = get(key).map(x -> new KvEvent(key, x.value(), x.version())).orElse(new KvEvent(key, null, 0));
                queue(event);
            } catch (RuntimeException ex) {
                LOG.warn("cannot read changed store entry {}: {}", key, ex.getMessage());
            } finally {
                threadLock.unlock();
            }
        }

        /** After lost inotify events: the whole directory, which each listener compares with what it was given. */
        private void queueResync() {
            threadLock.lock();
            try {
                changes.add(new Change(sequence++, null, list("")));
            } catch (RuntimeException ex) {
                LOG.warn("cannot list {} after lost change events: {}", dir, ex.getMessage());
            } finally {
                threadLock.unlock();
            }
        }

        private void dispatch() {
            try {
                while (true) {
                    Change change = changes.take();
                    for (PrefixListener l : listeners) {
                        if (change.sequence() < l.firstChange) continue;
                        if (change.resync() != null) {
                            l.resync(change.resync().stream().filter(e -> e.key().startsWith(l.prefix)).toList());
                        } else if (change.event().key().startsWith(l.prefix)) {
                            l.accept(change.event());
                        }
                    }
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }
    }
}

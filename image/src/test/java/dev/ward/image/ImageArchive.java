package dev.ward.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The image tarball as a container runtime reads it (the {@code docker save} layout that {@code docker load},
 * {@code podman load} and {@code kind load image-archive} take): {@code manifest.json} names the config and the
 * gzipped layers in order; the file system is the layers applied one over another.
 */
final class ImageArchive {
    /** One file or directory of the image's file system, as the last layer that holds it left it. */
    record Entry(String path, int mode, long size, boolean directory, byte[] smallContent) {
        boolean executable() {
            return (mode & 0111) == 0111;
        }

        String text() {
            return new String(smallContent, StandardCharsets.UTF_8);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT_CONTENT = 64 * 1024;

    private final Path tarball;
    private final JsonNode manifest;
    private final JsonNode config;
    private final Map<String, Entry> files;

    private ImageArchive(Path tarball, JsonNode manifest, JsonNode config, Map<String, Entry> files) {
        this.tarball = tarball;
        this.manifest = manifest;
        this.config = config;
        this.files = files;
    }

    static ImageArchive open(Path tarball) throws IOException {
        if (!Files.isRegularFile(tarball)) throw new IOException("no image tarball at " + tarball + " (built by jib at mvn package)");
        JsonNode manifest = JSON.readTree(member(tarball, "manifest.json"));
        if (!manifest.isArray() || manifest.size() != 1) throw new IOException(tarball + ": manifest.json must describe exactly one image: " + manifest);
        JsonNode image = manifest.get(0);
        JsonNode config = JSON.readTree(member(tarball, image.get("Config").asText()));
        Map<String, Entry> files = new LinkedHashMap<>();
        for (JsonNode layer : image.get("Layers")) {
            try (TarArchiveInputStream outer = new TarArchiveInputStream(Files.newInputStream(tarball))) {
                if (!seek(outer, layer.asText())) throw new IOException(tarball + " lacks layer " + layer.asText());
                TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(outer));
                for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                    if (e.isSymbolicLink() || e.isLink()) throw new IOException("layer " + layer.asText() + " holds a link " + e.getName() + ": not expected from jib");
                    String path = "/" + e.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
                    byte[] content = e.isFile() && e.getSize() <= KEPT_CONTENT ? in.readAllBytes() : new byte[0];
                    files.put(path, new Entry(path, e.getMode() & 07777, e.getSize(), e.isDirectory(), content));
                }
            }
        }
        return new ImageArchive(tarball, manifest, config, files);
    }

    /** The image's names, as {@code manifest.json} tags it (what a runtime calls it after loading it). */
    List<String> repoTags() {
        List<String> tags = new ArrayList<>();
        manifest.get(0).path("RepoTags").forEach(t -> tags.add(t.asText()));
        return tags;
    }

    /** The runtime part of the image config: Entrypoint, Cmd, User, Env, WorkingDir. */
    JsonNode runConfig() {
        return config.path("config");
    }

    JsonNode config() {
        return config;
    }

    Map<String, Entry> files() {
        return files;
    }

    Entry file(String path) {
        Entry e = files.get(path);
        if (e == null) throw new AssertionError("the image has no " + path);
        return e;
    }

    /** Writes the image's file system under {@code root}, with each file's mode, as a runtime would unpack it. */
    void extractTo(Path root) throws IOException {
        for (JsonNode layer : manifest.get(0).get("Layers")) {
            try (TarArchiveInputStream outer = new TarArchiveInputStream(Files.newInputStream(tarball))) {
                seek(outer, layer.asText());
                TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(outer));
                for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                    Path target = root.resolve(e.getName()).normalize();
                    if (!target.startsWith(root)) throw new IOException("layer entry " + e.getName() + " escapes the root");
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                    Files.setPosixFilePermissions(target, permissions(e.getMode()));
                }
            }
        }
    }

    private static byte[] member(Path tarball, String name) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tarball))) {
            if (!seek(in, name)) throw new IOException(tarball + " has no " + name);
            return in.readAllBytes();
        }
    }

    private static boolean seek(TarArchiveInputStream in, String name) throws IOException {
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
            if (e.getName().equals(name)) return true;
        }
        return false;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) if ((mode & (1 << i)) != 0) p.add(bits[i]);
        return p;
    }

}

package dev.ward.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a file an operator names (a policy, an xfrm spec) as UTF-8 text, or says in words why it cannot: the
 * JDK's own messages are the bare path (a missing file) or "Input length = 1" (a byte that is not UTF-8).
 */
public final class InputFile {
    private InputFile() {}

    /**
     * @param format what the file should hold, for the message about a binary one ("YAML or JSON")
     * @throws IOException whose message is the reason alone ("no such file"), for "cannot read FILE: reason"
     */
    public static String read(Path file, String format) throws IOException {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) throw new IOException("is a directory");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied", e);
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = utf8.decode(in, out, true);
        if (r.isError()) {
            throw new IOException(String.format("not UTF-8 text (byte 0x%02x at offset %d): expected %s",
                    bytes[in.position()] & 0xff, in.position(), format));
        }
        try {
            r = utf8.flush(out);
            if (r.isError()) r.throwException();
        } catch (CharacterCodingException e) {
            throw new IOException("not UTF-8 text: expected " + format, e);
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) throw new IOException("a NUL byte at offset " + i + ": a binary file, not " + format);
        }
        String text = out.flip().toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}

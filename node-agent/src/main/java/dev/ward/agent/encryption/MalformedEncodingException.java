package dev.ward.agent.encryption;

/** Input that does not decode: names the field and where it was, so an operator can find the bad writer. */
public final class MalformedEncodingException extends IllegalArgumentException {
    private final String field;
    private final int offset;

    public MalformedEncodingException(String field, int offset, String problem) {
        super(field + " at byte " + offset + " " + problem);
        this.field = field;
        this.offset = offset;
    }

    /** For errors in text forms (JSON), where a path is more useful than a byte offset. */
    public MalformedEncodingException(String field, String problem) {
        super(field + " " + problem);
        this.field = field;
        this.offset = -1;
    }

    public String field() {
        return field;
    }

    /** Byte offset of the field in binary input, or -1 for text input. */
    public int offset() {
        return offset;
    }
}

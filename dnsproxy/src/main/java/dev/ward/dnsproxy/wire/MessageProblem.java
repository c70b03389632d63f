package dev.ward.dnsproxy.wire;

/**
 * Why a message was not accepted. Each names its metric label and what was wrong; none of them ever reaches policy
 * (no rule is evaluated, no address learned).
 */
public enum MessageProblem {
    TRUNCATED_HEADER("truncated", "shorter than the 12-byte DNS header"),
    OVERSIZED("oversized", "longer than the proxy accepts"),
    MALFORMED("malformed", "does not parse as a DNS message"),
    NOT_A_QUERY("not_a_query", "has the response bit set"),
    UNSUPPORTED_OPCODE("unsupported_opcode", "is not a standard query (opcode QUERY)"),
    QUESTION_COUNT("question_count", "does not carry exactly one question"),
    UNSUPPORTED_CLASS("unsupported_class", "asks for a class other than IN"),
    TRAILING_BYTES("trailing_bytes", "has bytes after its last record");

    private final String label;
    private final String description;

    MessageProblem(String label, String description) {
        this.label = label;
        this.description = description;
    }

    public String label() {
        return label;
    }

    public String description() {
        return description;
    }
}

package dev.ward.l7proxy.parsers.http;

/** HTTP input the proxy refuses to interpret: malformed, or ambiguous in a way two parsers could read differently. */
final class HttpSyntaxException extends Exception {
    HttpSyntaxException(String message) {
        super(message, null, false, false);
    }
}

package dev.ward.agent.datapath;

/** The datapath did not do what it was asked; the message names the endpoint (or prefix) and the kernel's reason. */
public class DatapathException extends RuntimeException {
    public DatapathException(String message, Throwable cause) {
        super(message, cause);
    }

    public DatapathException(String message) {
        super(message);
    }
}

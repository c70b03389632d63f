package dev.ward.bpf.load;

/**
 * The kernel's verifier refused a program. The message carries the verifier's whole log: the instruction it
 * stopped at and the register states that led there are what anyone fixing the program needs.
 */
public final class VerifierRejectedException extends RuntimeException {
    private final String program;
    private final String verifierLog;

    public VerifierRejectedException(String object, String program, String reason, String verifierLog) {
        super("BPF program '" + program + "' of " + object + " was refused by the kernel's verifier: " + reason
                + "\n-- verifier log --\n" + verifierLog + (verifierLog.endsWith("\n") ? "" : "\n") + "-- end of verifier log --");
        this.program = program;
        this.verifierLog = verifierLog;
    }

    public String program() {
        return program;
    }

    public String verifierLog() {
        return verifierLog;
    }
}

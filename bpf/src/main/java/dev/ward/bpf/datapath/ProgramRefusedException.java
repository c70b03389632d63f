package dev.ward.bpf.datapath;

import dev.ward.bpf.load.VerifierRejectedException;
import dev.ward.policy.model.Direction;

import java.util.Set;

/** The program for one of an endpoint's directions was refused by the verifier; that direction drops everything. */
public final class ProgramRefusedException extends EndpointDatapathException {
    public ProgramRefusedException(String endpoint, Set<Direction> locked, VerifierRejectedException cause) {
        super(endpoint, locked, cause.getMessage(), cause);
    }

    public String verifierLog() {
        return ((VerifierRejectedException) getCause()).verifierLog();
    }
}

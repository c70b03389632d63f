package dev.ward.agent.identity;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** Carries an {@link SvidRequest} to keyd through the store and waits for the answer. */
public interface SvidRequester {
    /** The issued chain, leaf first. */
    List<X509Certificate> request(SvidRequest request, Duration timeout)
            throws EnrollmentDeniedException, IOException, TimeoutException, InterruptedException;

    /** Whether a request without evidence can succeed (Kubernetes attests the requester itself). */
    boolean attestsWithoutToken();
}

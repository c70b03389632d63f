package dev.ward.l7proxy.parser;

import dev.ward.policy.l7.L7Request;

import java.util.Map;

/**
 * What the proxy offers a parser for its connection: the policy decision for each request, which also logs and
 * counts it, and a way to report replies for the access log.
 */
public interface ParserContext {

    /**
     * Decides {@code request} against the connection's current L7 rules (matched by the policy engine's
     * {@code L7RuleMatcher}) and records an access-log event with the request's fields and the verdict.
     */
    Decision decide(L7Request request);

    /**
     * Records the reply to {@code request} for the access log, with its own fields (an HTTP status, a Kafka or
     * CQL error code); {@code denied} when the reply is the proxy's refusal of a denied request.
     */
    void reply(L7Request request, boolean denied, Map<String, String> fields);
}

package dev.ward.agentapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** What the agent answers: zero or more interim responses, then one final one, then it closes the connection. */
public sealed interface ApiResponse {
    /** The name of the outcome on the wire ({@code "status"}). */
    String status();

    /** Whether this is the last response to its request. */
    default boolean isFinal() {
        return true;
    }

    /** Interim answer to an ADD: the endpoint is in the registry (persisted); its programming follows. */
    record Accepted(EndpointInfo endpoint) implements ApiResponse {
        @Override
        public String status() {
            return "accepted";
        }

        @Override
        public boolean isFinal() {
            return false;
        }
    }

    /** Final answer to an ADD: the datapath enforces the endpoint's full policy table. */
    record Ready(EndpointInfo endpoint) implements ApiResponse {
        @Override
        public String status() {
            return "ready";
        }
    }

    /** Final answer to DEL (what was removed), CHECK (the endpoint) and LIST (every endpoint). */
    record Ok(List<EndpointInfo> endpoints) implements ApiResponse {
        public Ok {
            endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        }

        @Override
        public String status() {
            return "ok";
        }
    }

    /** Final answer to {@code policy-get}: the endpoint's policy map read back from the kernel. */
    record Policy(EndpointPolicy policy) implements ApiResponse {
        @Override
        public String status() {
            return "policy";
        }
    }

    /** Final answer to {@code datapath-status}. */
    record Datapath(DatapathStatus datapath) implements ApiResponse {
        @Override
        public String status() {
            return "datapath";
        }
    }

    /**
     * The request failed.
     *
     * @param code              one of {@link ApiError}'s codes, for the client to act on
     * @param message           for the operator: names the pod or endpoint and the reason
     * @param supportedVersions set when the request's protocol version is not one the agent speaks
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Failure(String code, String message, List<Integer> supportedVersions) implements ApiResponse {
        public Failure(String code, String message) {
            this(code, message, null);
        }

        @Override
        public String status() {
            return "error";
        }
    }

    /**
     * Interim answer to a {@link ApiRequest.FollowFlows}: one flow event, as the agent's flow log writes it (its
     * {@code "type"} says which kind: l3l4, dns, l7). The API carries it as JSON; the agent's flow model reads it.
     */
    record Flow(ObjectNode flow) implements ApiResponse {
        public Flow {
            if (flow == null) throw new IllegalArgumentException("flow is missing");
        }

        @Override
        public String status() {
            return "flow";
        }

        @Override
        public boolean isFinal() {
            return false;
        }
    }

    /** Interim: the agent dropped {@code count} flows for this client since the last report (it read too slowly). */
    record FlowsLost(long count) implements ApiResponse {
        @Override
        public String status() {
            return "flows-lost";
        }

        @Override
        public boolean isFinal() {
            return false;
        }
    }

    /**
     * Interim, once per {@link ApiRequest.FollowFlows} that asked for recent flows: the {@code replayed} flows before it
     * came from the agent's history, every flow after it is live. A client that waits for live flows for a while
     * starts its clock here, however long a large replay took to read.
     */
    record HistoryEnd(int replayed) implements ApiResponse {
        public HistoryEnd {
            if (replayed < 0) throw new IllegalArgumentException("replayed must not be negative, not " + replayed);
        }

        @Override
        public String status() {
            return "history-end";
        }

        @Override
        public boolean isFinal() {
            return false;
        }
    }

    /** Final answer to a stream the agent ends itself (it is stopping); {@code reason} says why. */
    record StreamEnd(String reason) implements ApiResponse {
        @Override
        public String status() {
            return "end";
        }
    }
}

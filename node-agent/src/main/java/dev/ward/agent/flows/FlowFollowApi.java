package dev.ward.agent.flows;

import dev.ward.agentapi.AgentApiServer;
import dev.ward.agentapi.ApiError;
import dev.ward.agentapi.ApiRequest;
import dev.ward.agentapi.ApiResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The agent's answer to {@code flow-follow} ({@code wardctl monitor}): a hub subscription with the client's filter,
 * its flows written to the client as they come, on the request's own thread. A client that reads too slowly loses
 * flows (its queue is bounded; the hub never waits for it) and is told how many; it is followed until it closes the
 * connection or the hub stops. A client that asked for recent flows is told where they end and the live ones begin.
 */
final class FlowFollowApi implements AgentApiServer.Handler {
    static final int QUEUE = 8_192;
    private static final Duration POLL = Duration.ofMillis(250);

    private final FlowHub hub;
    private final AtomicInteger following = new AtomicInteger();

    FlowFollowApi(FlowHub hub) {
        this.hub = hub;
    }

    @Override
    public void handle(ApiRequest request, AgentApiServer.Responder out) throws Exception {
        ApiRequest.FollowFlows follow = (ApiRequest.FollowFlows) request;
        Predicate<Flow> filter;
        try {
            filter = FlowFilters.compile(follow.filter());
        } catch (IllegalArgumentException e) {
            out.send(new ApiResponse.Failure(ApiError.INVALID_REQUEST, e.getMessage()));
            return;
        }
        CompletableFuture<Void> gone = out.clientClosed();
        following.incrementAndGet();
        try (FlowSubscription flows = hub.subscribe("monitor", filter, QUEUE, follow.last())) {
            int history = follow.last() > 0 ? flows.replayed() : -1;
            if (history == 0) out.send(new ApiResponse.HistoryEnd(0));
            int sent = 0;
            while (!gone.isDone()) {
                Flow f = flows.poll(POLL);
                long lost = flows.lostSinceLastAsked();
                if (lost > 0) out.send(new ApiResponse.FlowsLost(lost));
                if (f != null) {
                    out.send(new ApiResponse.Flow(FlowJson.toJson(f)));
                    if (++sent == history) out.send(new ApiResponse.HistoryEnd(history));
                } else if (flows.closed()) {
                    out.send(new ApiResponse.StreamEnd("the agent's flow hub stopped (the agent is stopping)"));
                    return;
                }
            }
        } catch (IOException e) {
            // The client left while a flow was on its way: how a follow normally ends (wardctl monitor --count).
            // Once the server sees the close too, it does not try to answer.
            try {
                gone.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException stillThere) {
                throw e;
            }
        } finally {
            following.decrementAndGet();
        }
    }

    /** After the hub stopped: gives followers up to {@code max} to tell their clients, before the socket closes. */
    void awaitEnded(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (following.get() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
    }
}

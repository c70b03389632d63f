package dev.ward.cli.encryption;

import dev.ward.agent.encryption.DataplaneKernel;
import dev.ward.agent.encryption.SessionEvent;
import dev.ward.agent.encryption.kernel.XfrmDataplaneKernel;
import java.util.function.Consumer;

/** The one place where {@code ward agent} gets its kernel dataplane. */
final class DataplaneKernels {
    private DataplaneKernels() {
    }

    /**
     * Opens the xfrm dataplane of {@code netns} (null: the agent's own namespace), with ESP offload to
     * {@code offloadDevice} if given, reporting the kernel's expire events to {@code kernelEvents}. The returned
     * kernel is also {@link AutoCloseable}.
     */
    static DataplaneKernel open(String netns, String offloadDevice, Consumer<SessionEvent> kernelEvents) {
        return XfrmDataplaneKernel.open(netns, offloadDevice, kernelEvents);
    }
}

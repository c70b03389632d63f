package dev.ward.agent.l7;

import dev.ward.agent.datapath.KernelDatapath;
import dev.ward.l7proxy.policy.RedirectLookup;
import dev.ward.policy.compute.Verdict;
import dev.ward.policy.identity.ReservedIdentity;
import dev.ward.policy.model.Direction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;

/**
 * Answers the proxy from what the datapath itself uses: a peer's identity is the kernel ipcache's longest-prefix
 * match for its address (the identity the program judged the redirected packet by), the rules are the local
 * endpoints' verdict tables as the engine loop hands them to the datapath.
 */
final class AgentRedirectLookup implements RedirectLookup {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRedirectLookup.class);
    private final KernelDatapath kernel;
    private final LocalVerdicts verdicts;

    AgentRedirectLookup(KernelDatapath kernel, LocalVerdicts verdicts) {
        this.kernel = kernel;
        this.verdicts = verdicts;
    }

    @Override
    public int identity(InetAddress address) {
        try {
            return kernel.ipcacheIdentityOf(address);
        } catch (RuntimeException e) {
            LOG.warn("the ipcache could not be read for {} ({}): treating it as world", address.getHostAddress(), e.toString());
            // World is what the datapath gives an address it does not know: rules for a pod's identity do not match it.
            return ReservedIdentity.WORLD.id();
        }
    }

    @Override
    public Verdict verdict(InetAddress endpoint, Direction direction, int remoteIdentity, int port) {
        return verdicts.verdict(endpoint, direction, remoteIdentity, port);
    }
}

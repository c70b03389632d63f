package dev.ward.bpf.lab;

import dev.ward.bpf.datapath.Datapath;
import dev.ward.bpf.datapath.DatapathConfig;
import dev.ward.netlink.IpPrefix;
import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.PolicyEngine;
import dev.ward.policy.identity.Identity;

import java.nio.file.Path;
import java.util.List;

import static dev.ward.bpf.TestPolicies.pod;

/**
 * A stand-in for the node agent in its own JVM, so a test can kill it with SIGKILL: opens the datapath on the
 * given pins, attaches two pods, applies {@link AgentPolicies#INITIAL}, prints "ready" and waits to be killed.
 * Args: pinRoot netns clientVeth clientIp4 serverVeth serverIp4.
 */
public final class AgentProcess {
    private AgentProcess() {}

    public static void main(String[] args) throws Exception {
        Path pinRoot = Path.of(args[0]);
        String netns = args[1];
        PolicyEngine engine = AgentPolicies.engine();
        Datapath dp = Datapath.open(DatapathConfig.at(pinRoot).inNetns(netns));
        dp.ipcache().upsert(IpPrefix.parse(args[3] + "/32"), AgentPolicies.CLIENT.id());
        dp.ipcache().upsert(IpPrefix.parse(args[5] + "/32"), AgentPolicies.SERVER.id());
        dp.attach("client", args[2], AgentPolicies.CLIENT.id(), engine.table("client"));
        dp.attach("server", args[4], AgentPolicies.SERVER.id(), engine.table("server"));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** The policies the stand-in and the test agree on. */
    public static final class AgentPolicies {
        public static final Identity CLIENT = pod(1001, "app=client");
        public static final Identity SERVER = pod(1002, "app=server");

        private AgentPolicies() {}

        public static PolicyEngine engine() {
            PolicyEngine e = new PolicyEngine("default");
            for (Identity i : List.of(CLIENT, SERVER)) e.upsertIdentity(i);
            e.upsertEndpoint(new LocalEndpoint("client", CLIENT));
            e.upsertEndpoint(new LocalEndpoint("server", SERVER));
            e.upsertPolicy(dev.ward.bpf.TestPolicies.cnp("web", "{endpointSelector: {matchLabels: {app: server}}, ingress: [{fromEndpoints: "
                    + "[{matchLabels: {app: client}}], toPorts: [{ports: [{port: '8080', protocol: TCP}]}]}]}"));
            return e;
        }
    }
}

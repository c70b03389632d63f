package dev.ward.netlink.route;

import dev.ward.netlink.IpPrefix;
import dev.ward.netlink.NetworkNamespace;
import dev.ward.testbed.IpCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mark rules and local routes, as written by Ward and read by {@code ip} (and back). */
class RuleNetlinkTest {
    private static final String NS = "wbrule-" + Long.toString(ProcessHandle.current().pid(), 36);
    private RouteNetlink rt;

    @BeforeEach
    void namespace() {
        NetworkNamespace.create(NS);
        rt = RouteNetlink.open(NS);
        rt.setUp("lo", true);
    }

    @AfterEach
    void cleanup() {
        rt.close();
        NetworkNamespace.delete(NS);
    }

    @Test
    void markRulesAndLocalRoutesReadBackThroughIp() {
        FibRule v4 = new FibRule(IpPrefix.AF_INET, 9, 0x200, 0xF00, 2004);
        FibRule v6 = new FibRule(IpPrefix.AF_INET6, 9, 0x200, 0xF00, 2004);
        rt.addRule(v4);
        rt.addRule(v4);
        rt.addRule(v6);
        rt.addLocalRoute(IpPrefix.parse("0.0.0.0/0"), "lo", 2004);
        rt.addLocalRoute(IpPrefix.parse("0.0.0.0/0"), "lo", 2004);
        rt.addLocalRoute(IpPrefix.parse("::/0"), "lo", 2004);
        String rules = IpCommand.run("-n", NS, "rule", "show");
        assertTrue(rules.contains("9:\tfrom all fwmark 0x200/0xf00 lookup 2004"), rules);
        assertEquals(1, rules.lines().filter(l -> l.contains("fwmark")).count(), "adding twice keeps one rule: " + rules);
        assertTrue(IpCommand.run("-n", NS, "-6", "rule", "show").contains("fwmark 0x200/0xf00 lookup 2004"));
        assertTrue(IpCommand.run("-n", NS, "route", "show", "table", "2004").contains("local default dev lo"));
        assertTrue(IpCommand.run("-n", NS, "-6", "route", "show", "table", "2004").contains("local default dev lo"));
        assertEquals(List.of(v4), rt.rules(IpPrefix.AF_INET));
        rt.deleteRule(v4);
        assertEquals(List.of(), rt.rules(IpPrefix.AF_INET));
        IpCommand.run("-n", NS, "rule", "add", "fwmark", "0x300/0xf00", "lookup", "77", "pref", "12");
        assertEquals(List.of(new FibRule(IpPrefix.AF_INET, 12, 0x300, 0xF00, 77)), rt.rules(IpPrefix.AF_INET));
    }
}

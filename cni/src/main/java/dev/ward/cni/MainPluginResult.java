package dev.ward.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the main plugin (ptp, bridge, ...) reported in {@code prevResult}: the interfaces it made (the pod's, inside
 * the sandbox; host-side ones without a sandbox) and the addresses, each pointing at its interface by index.
 */
public record MainPluginResult(List<Interface> interfaces, List<Ip> ips) {
    /** @param sandbox the network namespace path of an interface inside a container; null for the host's */
    public record Interface(int index, String name, String mac, String sandbox) {}

    /** @param interfaceIndex index into {@link #interfaces()}, or -1 when the result does not say */
    public record Ip(String address, String gateway, int interfaceIndex) {}

    public static MainPluginResult parse(ObjectNode prev) throws CniError {
        List<Interface> ifs = new ArrayList<>();
        JsonNode list = prev.path("interfaces");
        if (!list.isMissingNode() && !list.isArray()) throw new CniError(CniError.INVALID_CONFIG, "prevResult.interfaces is not a list");
        int i = 0;
        for (JsonNode n : list) {
            String name = n.path("name").asText(null);
            if (name == null) throw new CniError(CniError.INVALID_CONFIG, "prevResult.interfaces[" + i + "] has no name");
            String sandbox = n.path("sandbox").asText("");
            ifs.add(new Interface(i++, name, n.path("mac").asText(null), sandbox.isEmpty() ? null : sandbox));
        }
        List<Ip> ips = new ArrayList<>();
        JsonNode addrs = prev.path("ips");
        if (!addrs.isMissingNode() && !addrs.isArray()) throw new CniError(CniError.INVALID_CONFIG, "prevResult.ips is not a list");
        i = 0;
        for (JsonNode n : addrs) {
            String address = n.path("address").asText(null);
            if (address == null) throw new CniError(CniError.INVALID_CONFIG, "prevResult.ips[" + i + "] has no address");
            JsonNode idx = n.get("interface");
            int index = idx != null && idx.canConvertToExactIntegral() ? idx.asInt() : -1;
            if (index >= ifs.size()) throw new CniError(CniError.INVALID_CONFIG, "prevResult.ips[" + i + "] points at interface " + index + ", which the result does not list");
            ips.add(new Ip(address, n.path("gateway").asText(null), index));
            i++;
        }
        return new MainPluginResult(ifs, ips);
    }

    /** The pod's interface: {@code ifname} inside {@code netns}. */
    public Interface containerInterface(String ifname, String netns) throws CniError {
        for (Interface f : interfaces) {
            if (f.name().equals(ifname) && f.sandbox() != null && sameNamespace(f.sandbox(), netns)) return f;
        }
        throw new CniError(CniError.INVALID_CONFIG, "prevResult lists no interface " + ifname + " in sandbox " + netns
                + " (interfaces: " + interfaces.stream().map(f -> f.name() + (f.sandbox() == null ? "" : "@" + f.sandbox())).toList() + ")");
    }

    /** The addresses on interface {@code f} (all of them when the result names no interfaces). */
    public List<Ip> addressesOf(Interface f) {
        return ips.stream().filter(ip -> ip.interfaceIndex() == f.index() || ip.interfaceIndex() < 0).toList();
    }

    /** The interfaces on the host side (no sandbox): the veth among them is the pod's. */
    public List<Interface> hostInterfaces() {
        return interfaces.stream().filter(f -> f.sandbox() == null).toList();
    }

    /** Two spellings of one namespace path (/var/run is /run, a bind mount by its real path). */
    private static boolean sameNamespace(String a, String b) {
        if (Path.of(a).normalize().equals(Path.of(b).normalize())) return true;
        try {
            return Files.isSameFile(Path.of(a), Path.of(b));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}

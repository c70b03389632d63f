package dev.ward.agentapi;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One address of a pod, as the main CNI plugin's result gives it.
 *
 * @param address the address with its prefix length, e.g. {@code 10.244.1.5/24}
 * @param gateway the gateway, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IpConfig(String address, String gateway) {
    public IpConfig {
        if (address == null || address.isBlank()) throw new IllegalArgumentException("an IP entry has no address");
    }
}

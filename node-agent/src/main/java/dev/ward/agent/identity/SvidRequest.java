package dev.ward.agent.identity;

/**
 * What the agent sends keyd: the CSR and its evidence. A join token (bootstrap without Kubernetes), a renewal
 * proof (chain and signature by the current SVID key), or neither (bootstrap in Kubernetes, where the API server
 * attests the requester).
 */
public record SvidRequest(String node, String csrPem, String joinToken, String renewalChainPem, String renewalSignature) {
    public static SvidRequest bootstrap(String node, String csrPem, String joinToken) {
        return new SvidRequest(node, csrPem, joinToken, null, null);
    }

    public static SvidRequest renewal(String node, String csrPem, String chainPem, String signature) {
        return new SvidRequest(node, csrPem, null, chainPem, signature);
    }

    public boolean isRenewal() {
        return renewalChainPem != null;
    }
}

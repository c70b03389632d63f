// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Ward's endpoint datapath: two tc (clsact, direct action) programs on each pod's host-side veth.
 * from_pod runs at the veth's tc ingress: the pod's egress. to_pod runs at its tc egress: the pod's ingress.
 * Both find the endpoint by the veth's ifindex; a veth with a program but no endpoint drops everything. A packet
 * from_pod allows to another pod of this node is judged for that pod's ingress too and delivered into its
 * namespace directly (ward_local.h); to_pod judges what comes through the host.
 */
#include "ward_local.h"

SEC("tc")
int from_pod(struct __sk_buff *skb)
{
	return pod_egress(skb);
}

SEC("tc")
int to_pod(struct __sk_buff *skb)
{
	return pod_ingress(skb);
}

char _license[] SEC("license") = "Dual BSD/GPL";

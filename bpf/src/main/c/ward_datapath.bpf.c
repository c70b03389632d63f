// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Ward's endpoint datapath: two tc (clsact, direct action) programs on each pod's host-side veth.
 * from_pod runs at the veth's tc ingress: the pod's egress. to_pod runs at its tc egress: the pod's ingress.
 * Both find the endpoint by the veth's ifindex; a veth with a program but no endpoint drops everything.
 */
#include "ward_handle.h"

SEC("tc")
int from_pod(struct __sk_buff *skb)
{
	return handle(skb, WARD_DIR_EGRESS);
}

SEC("tc")
int to_pod(struct __sk_buff *skb)
{
	return handle(skb, WARD_DIR_INGRESS);
}

char _license[] SEC("license") = "Dual BSD/GPL";

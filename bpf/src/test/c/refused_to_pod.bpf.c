// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The real datapath with a to_pod the verifier refuses (an unchecked packet read): what an agent meets when a
 * new program fails verification for one direction. The fail-closed attach test loads it.
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
	unsigned char *data = (unsigned char *)(long)skb->data;
	return data[20];
}

char _license[] SEC("license") = "Dual BSD/GPL";

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Delivery between two pods of this node. Once the sender's egress has allowed a packet as it is, the
 * receiver's ingress is judged in the same run, exactly as to_pod would judge it, and the packet goes straight
 * into the receiver's namespace (bpf_redirect_peer): past the host's routing, netfilter and the receiving veth's
 * tc egress, so one program run per packet instead of two and no forwarding in between. The route and the
 * neighbour come from the kernel's own tables (bpf_fib_lookup). Whatever this path does not judge as to_pod
 * would takes the host path untouched, with no side effect here: a proxy redirect at the receiver, a reply to a
 * proxy's upstream connection, a neighbour not yet resolved, a TTL about to run out, a packet too big.
 */
#ifndef WARD_LOCAL_H
#define WARD_LOCAL_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <stddef.h>
#include "ward_handle.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* The receiving veth and the MACs to write, when the route leads to one; otherwise not a local delivery. */
static __always_inline int local_route(struct __sk_buff *skb, const struct flow *f, struct bpf_fib_lookup *p)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->ifindex = skb->ifindex;
	p->l4_protocol = f->protocol;
	p->sport = f->sport;
	p->dport = f->dport;
	if (f->family == 4) {
		p->family = AF_INET;
		__builtin_memcpy(&p->ipv4_src, f->saddr + 12, 4);
		__builtin_memcpy(&p->ipv4_dst, f->daddr + 12, 4);
	} else {
		p->family = AF_INET6;
		__builtin_memcpy(p->ipv6_src, f->saddr, 16);
		__builtin_memcpy(p->ipv6_dst, f->daddr, 16);
	}
	return bpf_fib_lookup(skb, p, sizeof(*p), 0) == BPF_FIB_LKUP_RET_SUCCESS ? 0 : -1;
}

/* The IPv4 TTL or IPv6 hop limit, or 0 if unreadable. */
static __always_inline __u8 hop_limit(struct __sk_buff *skb, __u8 family)
{
	__u8 hops = 0;
	__u32 off = ETH_HLEN + (family == 4 ? offsetof(struct iphdr, ttl) : offsetof(struct ipv6hdr, hop_limit));
	if (bpf_skb_load_bytes(skb, off, &hops, 1) < 0)
		return 0;
	return hops;
}

/* What forwarding does to the packet: one hop less, the receiving veth's MAC as source, the pod's as destination. */
static __always_inline int local_rewrite(struct __sk_buff *skb, __u8 family, __u8 hops, const struct bpf_fib_lookup *p)
{
	__u8 next = hops - 1;
	if (family == 4) {
		__u32 ttl_off = ETH_HLEN + offsetof(struct iphdr, ttl);
		/* The TTL is the high byte of the checksummed 16-bit word it shares with the protocol. */
		if (bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), bpf_htons((__u16)hops << 8),
					bpf_htons((__u16)next << 8), 2) < 0)
			return -1;
		if (bpf_skb_store_bytes(skb, ttl_off, &next, 1, 0) < 0)
			return -1;
	} else if (bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct ipv6hdr, hop_limit), &next, 1, 0) < 0) {
		return -1;
	}
	if (bpf_skb_store_bytes(skb, 0, p->dmac, ETH_ALEN, 0) < 0 || bpf_skb_store_bytes(skb, ETH_ALEN, p->smac, ETH_ALEN, 0) < 0)
		return -1;
	return 0;
}

/* After the sender's egress allowed the packet as it is: into a local receiver's namespace, or TC_ACT_OK (host path). */
static __always_inline int local_deliver(struct __sk_buff *skb, const struct flow *f)
{
	struct bpf_fib_lookup p;
	if (f->kind != FLOW_TRACKED && f->kind != FLOW_UNTRACKED)
		return TC_ACT_OK;
	if (local_route(skb, f, &p) < 0)
		return TC_ACT_OK;
	__u32 ifindex = p.ifindex;
	struct endpoint_value *ep = bpf_map_lookup_elem(&ward_endpoints, &ifindex);
	if (!ep)
		return TC_ACT_OK; /* another node's pod, the host, the world: the host routes it (and encrypts it) */
	__u8 hops = hop_limit(skb, f->family);
	if (hops <= 1)
		return TC_ACT_OK; /* the host answers time exceeded */
	/* Every segment must fit the receiving veth (the route's check passes any GSO packet): else the host answers frag-needed. */
	__u32 mtu_len = 0;
	if (bpf_check_mtu(skb, ifindex, &mtu_len, 0, BPF_MTU_CHK_SEGS) != BPF_MTU_CHK_RET_SUCCESS)
		return TC_ACT_OK;
	/* The receiver's ingress, judged exactly as its to_pod would (judge with local set). */
	int plain;
	int judged = judge(skb, f, ep, ifindex, WARD_DIR_INGRESS, 1, &plain);
	if (judged == JUDGE_HOST_PATH)
		return TC_ACT_OK;
	if (judged != TC_ACT_OK)
		return judged;
	/* Judged and counted already: a header the kernel refused to rewrite is dropped rather than sent half-rewritten. */
	if (local_rewrite(skb, f->family, hops, &p) < 0)
		return TC_ACT_SHOT;
	return bpf_redirect_peer(ifindex, 0);
}

/* The pod's egress (from_pod): its own policy, then a local receiver's ingress and delivery, or the host path. */
static __always_inline int pod_egress(struct __sk_buff *skb)
{
	struct flow f;
	int plain;
	int r = handle(skb, WARD_DIR_EGRESS, &f, &plain);
	if (r != TC_ACT_OK || !plain)
		return r;
	return local_deliver(skb, &f);
}

/* The pod's ingress for what came through the host (to_pod). */
static __always_inline int pod_ingress(struct __sk_buff *skb)
{
	struct flow f;
	int plain;
	return handle(skb, WARD_DIR_INGRESS, &f, &plain);
}

#endif

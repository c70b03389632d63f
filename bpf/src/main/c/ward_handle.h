/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One packet at one of an endpoint's two hooks: parse, conntrack, policy, redirect, count and report. */
#ifndef WARD_HANDLE_H
#define WARD_HANDLE_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ward_abi.h"
#include "ward_maps.h"
#include "ward_packet.h"
#include "ward_conntrack.h"
#include "ward_policy.h"
#include "ward_notify.h"
#include "ward_proxy.h"

static __always_inline int drop(const struct flow *f, const struct endpoint_value *ep, __u32 ifindex, __u8 dir,
				__u32 remote, struct decision *d, __u8 reason, __u8 state)
{
	/* A redirect that found no proxy keeps its verdict: the event says where the flow was meant to go. */
	if (reason != WARD_REASON_PROXY_UNAVAILABLE)
		d->verdict = WARD_VERDICT_DENY;
	d->reason = reason;
	count_verdict(dir, reason, f->length);
	emit(f, ep, ifindex, dir, remote, d, state);
	return TC_ACT_SHOT;
}

static __always_inline int forward(const struct flow *f, __u8 dir)
{
	count_verdict(dir, WARD_REASON_FORWARDED, f->length);
	return TC_ACT_OK;
}

/* What judge() answers, for a receiver judged on the sender's hook, when to_pod must judge the packet itself. */
#define JUDGE_HOST_PATH (-2)

/*
 * The verdict on a parsed packet at endpoint ep (behind ifindex) in direction dir: conntrack, the revision check,
 * policy, proxies, counters and events, and the tc action. *plain is set when the packet is allowed as it is: no
 * proxy, no related error, nothing but an ordinary forward. With local set (a receiver on this node, judged from
 * the sender's from_pod), whatever only to_pod's hook can do answers JUDGE_HOST_PATH before any side effect.
 */
static __always_inline int judge(struct __sk_buff *skb, const struct flow *f, const struct endpoint_value *ep, __u32 ifindex,
				 const __u8 dir, const int local, int *plain)
{
	struct decision d = {};
	*plain = 0;

	/* Conntrack times out in seconds: the coarse clock (CLOCK_MONOTONIC at tick granularity) reads no TSC. */
	__u64 now = bpf_ktime_get_coarse_ns();
	__u8 state = WARD_EVENT_UNTRACKED;
	struct ct_value *ct = 0;

	/* Replies and related errors need no identity: they pass before the ipcache lookup. */
	if (f->kind == FLOW_ICMP_ERROR) {
		if (ct_related(f, ep->endpoint_id, dir, now))
			return forward(f, dir);
	} else if (f->kind == FLOW_TRACKED) {
		int found = ct_lookup(f, ep->endpoint_id, dir, &ct, now);
		if (found == CT_REPLY) {
			ct_touch(ct, f, 0, now);
			/* The pod answers the ingress proxy, whose socket has the client's address: deliver it there. */
			if ((ct->flags & WARD_CT_PROXY_UPSTREAM) && dir == WARD_DIR_EGRESS)
				proxy_assign_established(skb, f);
			else
				*plain = 1;
			return forward(f, dir);
		}
		state = found == CT_ESTABLISHED ? WARD_EVENT_ESTABLISHED : WARD_EVENT_NEW;
	}
	__u64 revision = policy_revision();
	__u32 lock = dir == WARD_DIR_INGRESS ? WARD_EP_LOCK_INGRESS : WARD_EP_LOCK_EGRESS;
	/* Allowed at this revision and not since locked: the ipcache and policy would answer as they did. */
	if (state == WARD_EVENT_ESTABLISHED && ct && !(ep->flags & lock) && ct_allowed_at(ct, revision)) {
		ct_touch(ct, f, 1, now);
		*plain = 1;
		return forward(f, dir);
	}

	if (f->protocol == IPPROTO_TCP && f->kind == FLOW_TRACKED) {
		/* The ingress proxy's own connection to its pod: judged by the proxy, tracked so the replies find it. */
		if (dir == WARD_DIR_INGRESS && (skb->mark & WARD_MARK_MAGIC_MASK) == WARD_MARK_FROM_INGRESS_PROXY) {
			if (ct)
				ct_touch(ct, f, 1, now);
			else
				ct_create_flagged(f, ep->endpoint_id, dir, 0, WARD_CT_PROXY_UPSTREAM, 0, now);
			return forward(f, dir);
		}
		/* A reply to an egress proxy's upstream connection (the pod's address, on another node's side). */
		if (dir == WARD_DIR_INGRESS && state == WARD_EVENT_NEW) {
			__u16 port = proxy_upstream_port(skb, f);
			if (port != 0) {
				if (local)
					return JUDGE_HOST_PATH;
				int r = proxy_turn_back(skb, port);
				if (r == TC_ACT_REDIRECT) {
					count_verdict(dir, WARD_REASON_FORWARDED, f->length);
					return r;
				}
			}
		}
	}
	__u32 remote = ipcache_identity(dir == WARD_DIR_EGRESS ? f->daddr : f->saddr);

	/* Judged again whenever the revision moved, so a policy change applies to established flows at once. */
	policy_decide(ep, dir, remote, f->protocol, f->policy_port, &d);
	if (d.verdict == WARD_VERDICT_DENY)
		return drop(f, ep, ifindex, dir, remote, &d, d.reason, state);
	/* Only to_pod's hook can turn a packet back towards the receiver's proxy. */
	if (local && d.verdict == WARD_VERDICT_REDIRECT)
		return JUDGE_HOST_PATH;

	int allowed = d.verdict == WARD_VERDICT_ALLOW;
	if (state == WARD_EVENT_ESTABLISHED && ct) {
		ct_touch(ct, f, 1, now);
		ct_judged(ct, allowed, revision);
	} else if (state == WARD_EVENT_NEW) {
		ct_create(f, ep->endpoint_id, dir, d.verdict == WARD_VERDICT_REDIRECT ? d.proxy_port : 0, allowed, revision, now);
	}

	if (d.verdict == WARD_VERDICT_REDIRECT) {
		if (dir == WARD_DIR_EGRESS) {
			if (proxy_assign(skb, f, d.proxy_port) != 0)
				return drop(f, ep, ifindex, dir, remote, &d, WARD_REASON_PROXY_UNAVAILABLE, state);
		} else {
			int r = proxy_turn_back(skb, d.proxy_port);
			if (r != TC_ACT_REDIRECT)
				return drop(f, ep, ifindex, dir, remote, &d, WARD_REASON_PROXY_UNAVAILABLE, state);
			if (state != WARD_EVENT_ESTABLISHED)
				emit(f, ep, ifindex, dir, remote, &d, state);
			count_verdict(dir, WARD_REASON_FORWARDED, f->length);
			return r;
		}
	}
	if (state != WARD_EVENT_ESTABLISHED)
		emit(f, ep, ifindex, dir, remote, &d, state);
	*plain = d.verdict == WARD_VERDICT_ALLOW;
	return forward(f, dir);
}

/*
 * One packet at the endpoint behind skb->ifindex in direction dir: parsed into *fp, then judged. *plain is set
 * when it is allowed as it is (see judge).
 */
static __always_inline int handle(struct __sk_buff *skb, const __u8 dir, struct flow *fp, int *plain)
{
	struct decision d = {};
	struct flow f = {};
	__u32 ifindex = skb->ifindex;
	int parsed;
	*plain = 0;

	f.length = skb->len;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		parsed = parse_ipv4(skb, &f);
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		parsed = parse_ipv6(skb, &f);
	else
		return TC_ACT_OK; /* ARP and other link traffic */

	struct endpoint_value *ep = bpf_map_lookup_elem(&ward_endpoints, &ifindex);
	if (!ep)
		return drop(&f, 0, ifindex, dir, 0, &d, WARD_REASON_UNKNOWN_ENDPOINT, WARD_EVENT_NEW);
	if (parsed == PARSE_MALFORMED)
		return drop(&f, ep, ifindex, dir, 0, &d, WARD_REASON_MALFORMED, WARD_EVENT_NEW);
	if (parsed == PARSE_FRAGMENT_UNKNOWN)
		return drop(&f, ep, ifindex, dir, 0, &d, WARD_REASON_FRAGMENT_UNKNOWN, WARD_EVENT_NEW);
	if (f.kind == FLOW_PASS)
		return forward(&f, dir);

	/* A pod-bound packet the other program turned back towards its proxy: policy has already spoken. */
	if (dir == WARD_DIR_EGRESS && (skb->mark & WARD_MARK_MAGIC_MASK) == WARD_MARK_TO_PROXY) {
		__u16 port = skb->mark >> 16;
		if (proxy_assign(skb, &f, port) != 0) {
			d.proxy_port = port;
			return drop(&f, ep, ifindex, WARD_DIR_INGRESS, 0, &d, WARD_REASON_PROXY_UNAVAILABLE, WARD_EVENT_NEW);
		}
		return forward(&f, WARD_DIR_INGRESS);
	}

	int r = judge(skb, &f, ep, ifindex, dir, 0, plain);
	if (*plain)
		*fp = f;
	return r;
}

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The policy lookup, in exactly the order of dev.ward.policy.compute.VerdictTable.lookup: the remote identity's
 * row for (direction, protocol bucket, port), else the "any" row, else the direction's default (deny when the
 * direction is enforced). A locked direction (fail closed) or a missing policy map denies everything.
 */
#ifndef WARD_POLICY_H
#define WARD_POLICY_H

#include "ward_packet.h"

struct decision {
	__u32 cookie;
	__u16 proxy_port;
	__u8 verdict;
	__u8 reason;
};

static __always_inline __u8 protocol_bucket(__u8 protocol)
{
	switch (protocol) {
	case WARD_PROTO_TCP:
	case WARD_PROTO_UDP:
	case WARD_PROTO_SCTP:
	case WARD_PROTO_ICMP:
	case WARD_PROTO_ICMPV6:
		return protocol;
	default:
		return WARD_PROTO_OTHER;
	}
}

static __always_inline void deny(struct decision *d, __u8 reason)
{
	d->verdict = WARD_VERDICT_DENY;
	d->reason = reason;
}

static __always_inline void policy_decide(const struct endpoint_value *ep, __u8 dir, __u32 remote, __u8 protocol,
					  __u16 port, struct decision *d)
{
	__u32 lock = dir == WARD_DIR_INGRESS ? WARD_EP_LOCK_INGRESS : WARD_EP_LOCK_EGRESS;
	__u32 enforce = dir == WARD_DIR_INGRESS ? WARD_EP_ENFORCE_INGRESS : WARD_EP_ENFORCE_EGRESS;
	__u32 id = ep->endpoint_id;
	if (ep->flags & lock) {
		deny(d, WARD_REASON_ENDPOINT_LOCKED);
		return;
	}
	void *table = bpf_map_lookup_elem(&ward_policy, &id);
	if (!table) {
		deny(d, WARD_REASON_ENDPOINT_LOCKED);
		return;
	}
	struct policy_key k = {
		.prefixlen = WARD_POLICY_FIXED_BITS + 16,
		.identity = remote,
		.direction = dir,
		.protocol = protocol_bucket(protocol),
		.port = bpf_htons(port),
	};
	struct policy_value *v = bpf_map_lookup_elem(table, &k);
	if (!v) {
		k.identity = WARD_ID_ANY;
		v = bpf_map_lookup_elem(table, &k);
	}
	if (v) {
		d->cookie = v->cookie;
		d->proxy_port = v->proxy_port;
		d->verdict = v->verdict;
		d->reason = v->verdict == WARD_VERDICT_DENY ? WARD_REASON_POLICY_DENY : WARD_REASON_FORWARDED;
		return;
	}
	if (ep->flags & enforce)
		deny(d, WARD_REASON_POLICY_DEFAULT_DENY);
	else
		d->verdict = WARD_VERDICT_ALLOW;
}

/* The remote address's identity: the longest prefix in the ipcache, else world. */
static __always_inline __u32 ipcache_identity(const __u8 *addr)
{
	struct ipcache_key k = {.prefixlen = 128};
	__builtin_memcpy(k.addr, addr, 16);
	struct ipcache_value *v = bpf_map_lookup_elem(&ward_ipcache, &k);
	return v ? v->identity : WARD_ID_WORLD;
}

#endif

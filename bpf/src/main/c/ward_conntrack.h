/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking per endpoint: an entry is keyed by the flow's tuple as it was first seen and the
 * direction (at this endpoint) that opened it. Replies and ICMP errors quoting a tracked packet pass without
 * a policy lookup. A forward packet skips the lookups only while the policy revision is the one its flow was
 * allowed at: every write to the maps policy reads bumps it, so a removed allow cuts established flows.
 */
#ifndef WARD_CONNTRACK_H
#define WARD_CONNTRACK_H

#include "ward_packet.h"

#define CT_NEW 0
#define CT_ESTABLISHED 1
#define CT_REPLY 2

#define NS_PER_SEC 1000000000ULL
#define CT_TCP_ESTABLISHED_TIMEOUT (21600 * NS_PER_SEC)
#define CT_TCP_OPENING_TIMEOUT (60 * NS_PER_SEC)
#define CT_TCP_CLOSING_TIMEOUT (10 * NS_PER_SEC)
#define CT_OTHER_TIMEOUT (60 * NS_PER_SEC)

#define TCP_FIN 0x01
#define TCP_RST 0x04

static __always_inline __u8 opposite(__u8 dir)
{
	return dir == WARD_DIR_INGRESS ? WARD_DIR_EGRESS : WARD_DIR_INGRESS;
}

static __always_inline void ct_key_set(struct ct_key *k, const __u8 *saddr, const __u8 *daddr, __be16 sport,
				       __be16 dport, __u8 protocol, __u32 endpoint_id, __u8 dir)
{
	__builtin_memcpy(k->saddr, saddr, 16);
	__builtin_memcpy(k->daddr, daddr, 16);
	k->sport = sport;
	k->dport = dport;
	k->protocol = protocol;
	k->endpoint_id = endpoint_id;
	k->direction = dir;
}

static __always_inline __u64 ct_timeout(__u8 protocol, __u32 flags)
{
	if (protocol != IPPROTO_TCP)
		return CT_OTHER_TIMEOUT;
	if ((flags & WARD_CT_RST) || ((flags & WARD_CT_FIN_FORWARD) && (flags & WARD_CT_FIN_REPLY)))
		return CT_TCP_CLOSING_TIMEOUT;
	return (flags & WARD_CT_REPLY_SEEN) ? CT_TCP_ESTABLISHED_TIMEOUT : CT_TCP_OPENING_TIMEOUT;
}

static __always_inline void ct_touch(struct ct_value *v, const struct flow *f, int forward, __u64 now)
{
	__u32 flags = v->flags;
	if (!forward)
		flags |= WARD_CT_REPLY_SEEN;
	if (f->protocol == IPPROTO_TCP) {
		if (f->tcp_flags & TCP_RST)
			flags |= WARD_CT_RST;
		if (f->tcp_flags & TCP_FIN)
			flags |= forward ? WARD_CT_FIN_FORWARD : WARD_CT_FIN_REPLY;
	}
	v->flags = flags;
	v->expires_ns = now + ct_timeout(f->protocol, flags);
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, f->length);
}

/* Finds the flow's entry: forward (opened in this direction) or reply (opened in the other). */
static __always_inline int ct_lookup(const struct flow *f, __u32 endpoint_id, __u8 dir, struct ct_value **out, __u64 now)
{
	struct ct_key k = {};
	ct_key_set(&k, f->saddr, f->daddr, f->sport, f->dport, f->protocol, endpoint_id, dir);
	struct ct_value *v = bpf_map_lookup_elem(&ward_ct, &k);
	if (v && v->expires_ns > now) {
		*out = v;
		return CT_ESTABLISHED;
	}
	ct_key_set(&k, f->daddr, f->saddr, f->dport, f->sport, f->protocol, endpoint_id, opposite(dir));
	v = bpf_map_lookup_elem(&ward_ct, &k);
	if (v && v->expires_ns > now) {
		*out = v;
		return CT_REPLY;
	}
	return CT_NEW;
}

/* The revision policy is judged at; read before the lookups, so a write racing them leaves the flow unjudged. */
static __always_inline __u64 policy_revision(void)
{
	__u32 zero = 0;
	struct revision_value *r = bpf_map_lookup_elem(&ward_revision, &zero);
	return r ? r->revision : 0;
}

/* Whether the flow's forward packets were allowed at this revision (no redirect): then policy need not look. */
static __always_inline int ct_allowed_at(const struct ct_value *v, __u64 revision)
{
	return (v->flags & WARD_CT_ALLOWED) && v->policy_revision == revision;
}

static __always_inline void ct_judged(struct ct_value *v, int allowed, __u64 revision)
{
	if (allowed) {
		v->policy_revision = revision;
		v->flags |= WARD_CT_ALLOWED;
	} else if (v->flags & WARD_CT_ALLOWED) {
		v->flags &= ~WARD_CT_ALLOWED;
	}
}

static __always_inline void ct_create_flagged(const struct flow *f, __u32 endpoint_id, __u8 dir, __u16 proxy_port, __u32 flags,
					      __u64 revision, __u64 now)
{
	struct ct_key k = {};
	struct ct_value v = {.created_ns = now, .proxy_port = proxy_port, .flags = flags, .policy_revision = revision};
	ct_key_set(&k, f->saddr, f->daddr, f->sport, f->dport, f->protocol, endpoint_id, dir);
	ct_touch(&v, f, 1, now);
	bpf_map_update_elem(&ward_ct, &k, &v, BPF_ANY);
}

static __always_inline void ct_create(const struct flow *f, __u32 endpoint_id, __u8 dir, __u16 proxy_port, int allowed,
				      __u64 revision, __u64 now)
{
	ct_create_flagged(f, endpoint_id, dir, proxy_port, allowed ? WARD_CT_ALLOWED : 0, revision, now);
}

/*
 * An ICMP error quotes a packet that went the other way through this endpoint's hooks: a forward packet of a
 * flow opened in that direction, or a reply of a flow opened in this one.
 */
static __always_inline int ct_related(const struct flow *f, __u32 endpoint_id, __u8 dir, __u64 now)
{
	const struct inner_tuple *t = &f->inner;
	struct ct_key k = {};
	if (!t->valid)
		return 0;
	ct_key_set(&k, t->saddr, t->daddr, t->sport, t->dport, t->protocol, endpoint_id, opposite(dir));
	struct ct_value *v = bpf_map_lookup_elem(&ward_ct, &k);
	if (v && v->expires_ns > now)
		return 1;
	ct_key_set(&k, t->daddr, t->saddr, t->dport, t->sport, t->protocol, endpoint_id, dir);
	v = bpf_map_lookup_elem(&ward_ct, &k);
	return v && v->expires_ns > now;
}

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters for every packet, and flow events for new flows and drops (replies would only repeat). */
#ifndef WARD_NOTIFY_H
#define WARD_NOTIFY_H

#include "ward_policy.h"

static __always_inline void count(__u32 slot, __u32 bytes)
{
	struct counter_value *c = bpf_map_lookup_elem(&ward_counters, &slot);
	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

static __always_inline void count_verdict(__u8 dir, __u8 reason, __u32 bytes)
{
	count((__u32)dir * WARD_REASON_COUNT + (reason & (WARD_REASON_COUNT - 1)), bytes);
}

static __always_inline void emit(const struct flow *f, const struct endpoint_value *ep, __u32 ifindex, __u8 dir,
				 __u32 remote, const struct decision *d, __u8 state)
{
	struct flow_event *e = bpf_ringbuf_reserve(&ward_events, sizeof(*e), 0);
	if (!e) {
		count(WARD_COUNTER_EVENTS_LOST, 0);
		return;
	}
	e->timestamp_ns = bpf_ktime_get_ns();
	e->endpoint_id = ep ? ep->endpoint_id : 0;
	e->local_identity = ep ? ep->identity : 0;
	e->remote_identity = remote;
	e->cookie = d->cookie;
	e->ifindex = ifindex;
	e->length = f->length;
	e->sport = f->event_sport;
	e->dport = f->event_dport;
	e->proxy_port = d->proxy_port;
	e->family = f->family;
	e->protocol = f->protocol;
	e->direction = dir;
	e->verdict = d->verdict;
	e->reason = d->reason;
	e->state = state;
	e->icmp_type = f->icmp_type;
	e->icmp_code = f->icmp_code;
	e->pad[0] = 0;
	e->pad[1] = 0;
	__builtin_memcpy(e->saddr, f->saddr, 16);
	__builtin_memcpy(e->daddr, f->daddr, 16);
	bpf_ringbuf_submit(e, 0);
}

#endif

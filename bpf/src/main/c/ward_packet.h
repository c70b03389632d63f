/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing into one flow description: addresses (IPv4 v4-mapped), the ports conntrack keys on, the port
 * policy looks up (destination port, ICMP type, 0), and for ICMP errors the tuple of the packet they quote.
 * Headers are copied with bpf_skb_load_bytes, which checks bounds at run time, so every kernel's verifier
 * (JIT or interpreter) accepts the same code.
 */
#ifndef WARD_PACKET_H
#define WARD_PACKET_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ward_abi.h"
#include "ward_maps.h"

/* What a packet is to the datapath. */
#define FLOW_TRACKED 0    /* TCP, UDP, SCTP, ICMP echo, other protocols: conntrack applies */
#define FLOW_UNTRACKED 1  /* ICMP messages that are neither echo nor error: policy on every packet */
#define FLOW_ICMP_ERROR 2 /* may be related to a tracked flow (inner tuple) */
#define FLOW_PASS 3       /* IPv6 neighbour discovery: the link needs it whatever the policy */

#define PARSE_OK 0
#define PARSE_MALFORMED -1
#define PARSE_FRAGMENT_UNKNOWN -2

#define IPV4_MF 0x2000
#define IPV4_OFFSET 0x1FFF

struct inner_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 protocol;
	__u8 valid;
};

struct flow {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u16 policy_port;
	__u16 event_sport;
	__u16 event_dport;
	__u8 family;
	__u8 protocol;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 tcp_flags;
	__u8 kind;
	__u32 length;
	struct inner_tuple inner;
};

static __always_inline void v4_mapped(__u8 *out, __be32 addr)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &addr, 4);
}

static __always_inline int is_icmp4_error(__u8 type)
{
	return type == 3 || type == 11 || type == 12;
}

static __always_inline int is_icmp6_error(__u8 type)
{
	return type >= 1 && type <= 4;
}

/*
 * Conntrack ports of an ICMP echo: the identifier sits on the requester's side, so a reply's reversed tuple
 * is its request's tuple and a request never matches as a reply.
 */
static __always_inline int icmp_echo_ports(__u8 type, __be16 id, __u8 request, __u8 reply, __be16 *sport, __be16 *dport)
{
	if (type == request) {
		*sport = id;
		*dport = 0;
		return 1;
	}
	if (type == reply) {
		*sport = 0;
		*dport = id;
		return 1;
	}
	return 0;
}

/* The first 8 bytes of the quoted packet's transport header give its conntrack ports. */
static __always_inline int parse_inner_l4(struct __sk_buff *skb, __u32 off, struct inner_tuple *t)
{
	__u8 l4[8];
	if (bpf_skb_load_bytes(skb, off, l4, sizeof(l4)) < 0)
		return -1;
	switch (t->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		__builtin_memcpy(&t->sport, l4, 2);
		__builtin_memcpy(&t->dport, l4 + 2, 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__be16 id;
		__builtin_memcpy(&id, l4 + 4, 2);
		if (t->protocol == IPPROTO_ICMP ? !icmp_echo_ports(l4[0], id, 8, 0, &t->sport, &t->dport)
						: !icmp_echo_ports(l4[0], id, 128, 129, &t->sport, &t->dport))
			return -1;
		break;
	}
	default:
		t->sport = 0;
		t->dport = 0;
	}
	t->valid = 1;
	return 0;
}

static __always_inline void parse_inner(struct __sk_buff *skb, __u32 off, struct flow *f)
{
	if (f->family == 4) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0 || ip.ihl < 5)
			return;
		f->inner.protocol = ip.protocol;
		v4_mapped(f->inner.saddr, ip.saddr);
		v4_mapped(f->inner.daddr, ip.daddr);
		parse_inner_l4(skb, off + ip.ihl * 4, &f->inner);
	} else {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)) < 0)
			return;
		f->inner.protocol = ip6.nexthdr;
		__builtin_memcpy(f->inner.saddr, &ip6.saddr, 16);
		__builtin_memcpy(f->inner.daddr, &ip6.daddr, 16);
		parse_inner_l4(skb, off + sizeof(ip6), &f->inner);
	}
}

static __always_inline int parse_l4(struct __sk_buff *skb, __u32 off, struct flow *f)
{
	f->kind = FLOW_TRACKED;
	switch (f->protocol) {
	case IPPROTO_TCP: {
		__u8 tcp[14];
		if (bpf_skb_load_bytes(skb, off, tcp, sizeof(tcp)) < 0)
			return PARSE_MALFORMED;
		__builtin_memcpy(&f->sport, tcp, 2);
		__builtin_memcpy(&f->dport, tcp + 2, 2);
		f->tcp_flags = tcp[13];
		break;
	}
	case IPPROTO_UDP:
	case IPPROTO_SCTP: {
		__u8 ports[4];
		if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)) < 0)
			return PARSE_MALFORMED;
		__builtin_memcpy(&f->sport, ports, 2);
		__builtin_memcpy(&f->dport, ports + 2, 2);
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 icmp[8];
		__be16 id;
		int v6 = f->protocol == IPPROTO_ICMPV6;
		if (bpf_skb_load_bytes(skb, off, icmp, sizeof(icmp)) < 0)
			return PARSE_MALFORMED;
		f->icmp_type = icmp[0];
		f->icmp_code = icmp[1];
		f->policy_port = icmp[0];
		__builtin_memcpy(&id, icmp + 4, 2);
		if (v6 && icmp[0] >= 133 && icmp[0] <= 137) {
			f->kind = FLOW_PASS;
		} else if (v6 ? icmp_echo_ports(icmp[0], id, 128, 129, &f->sport, &f->dport)
			      : icmp_echo_ports(icmp[0], id, 8, 0, &f->sport, &f->dport)) {
			f->kind = FLOW_TRACKED;
		} else if (v6 ? is_icmp6_error(icmp[0]) : is_icmp4_error(icmp[0])) {
			f->kind = FLOW_ICMP_ERROR;
			parse_inner(skb, off + 8, f);
		} else {
			f->kind = FLOW_UNTRACKED;
		}
		return PARSE_OK;
	}
	default:
		f->sport = 0;
		f->dport = 0;
		f->policy_port = 0;
		return PARSE_OK;
	}
	f->policy_port = bpf_ntohs(f->dport);
	f->event_sport = bpf_ntohs(f->sport);
	f->event_dport = bpf_ntohs(f->dport);
	return PARSE_OK;
}

/*
 * Fragments after the first carry no transport header: they take the ports the first fragment recorded, so
 * policy judges every fragment of a datagram alike. A fragment whose first one was never seen is dropped.
 */
static __always_inline int parse_fragmented(struct __sk_buff *skb, __u32 off, struct flow *f, __u32 id, int first)
{
	struct frag_key k = {};
	__builtin_memcpy(k.saddr, f->saddr, 16);
	__builtin_memcpy(k.daddr, f->daddr, 16);
	k.id = id;
	k.protocol = f->protocol;
	if (first) {
		int r = parse_l4(skb, off, f);
		if (r == PARSE_OK) {
			struct frag_value v = {.sport = f->sport, .dport = f->dport, .policy_port = f->policy_port,
					       .kind = f->kind, .icmp_type = f->icmp_type};
			bpf_map_update_elem(&ward_frag, &k, &v, BPF_ANY);
		}
		return r;
	}
	struct frag_value *v = bpf_map_lookup_elem(&ward_frag, &k);
	if (!v)
		return PARSE_FRAGMENT_UNKNOWN;
	f->sport = v->sport;
	f->dport = v->dport;
	f->policy_port = v->policy_port;
	f->kind = v->kind == FLOW_ICMP_ERROR ? FLOW_UNTRACKED : v->kind;
	f->icmp_type = v->icmp_type;
	if (f->protocol != IPPROTO_ICMP && f->protocol != IPPROTO_ICMPV6) {
		f->event_sport = bpf_ntohs(f->sport);
		f->event_dport = bpf_ntohs(f->dport);
	}
	return PARSE_OK;
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, struct flow *f)
{
	struct iphdr ip;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0 || ip.ihl < 5 || ip.version != 4)
		return PARSE_MALFORMED;
	f->family = 4;
	f->protocol = ip.protocol;
	v4_mapped(f->saddr, ip.saddr);
	v4_mapped(f->daddr, ip.daddr);
	__u32 off = ETH_HLEN + ip.ihl * 4;
	__u16 frag = bpf_ntohs(ip.frag_off);
	if (frag & (IPV4_MF | IPV4_OFFSET))
		return parse_fragmented(skb, off, f, bpf_ntohs(ip.id), (frag & IPV4_OFFSET) == 0);
	return parse_l4(skb, off, f);
}

#define IPV6_EXT_MAX 4

static __always_inline int parse_ipv6(struct __sk_buff *skb, struct flow *f)
{
	struct ipv6hdr ip6;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) < 0 || ip6.version != 6)
		return PARSE_MALFORMED;
	f->family = 6;
	__builtin_memcpy(f->saddr, &ip6.saddr, 16);
	__builtin_memcpy(f->daddr, &ip6.daddr, 16);
	__u8 nh = ip6.nexthdr;
	__u32 off = ETH_HLEN + sizeof(ip6);
	int fragmented = 0, first = 1;
	__u32 frag_id = 0;
#pragma unroll
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		__u8 h[8];
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS && nh != IPPROTO_FRAGMENT
		    && nh != IPPROTO_AH)
			break;
		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)) < 0)
			return PARSE_MALFORMED;
		if (nh == IPPROTO_FRAGMENT) {
			__be16 fo;
			__be32 id;
			__builtin_memcpy(&fo, h + 2, 2);
			__builtin_memcpy(&id, h + 4, 4);
			fragmented = 1;
			first = (bpf_ntohs(fo) & 0xFFF8) == 0;
			frag_id = bpf_ntohl(id);
			off += 8;
		} else if (nh == IPPROTO_AH) {
			off += (h[1] + 2) * 4;
		} else {
			off += (h[1] + 1) * 8;
		}
		nh = h[0];
	}
	f->protocol = nh;
	if (fragmented)
		return parse_fragmented(skb, off, f, frag_id, first);
	return parse_l4(skb, off, f);
}

#endif

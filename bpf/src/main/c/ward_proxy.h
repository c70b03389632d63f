/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Redirection to a local proxy (L7, DNS): the packet is assigned to the proxy's socket (its established
 * connection for the flow if it has one, else its transparent listener on the proxy port) and marked, so the
 * ip rule on the mark routes it for local delivery. The proxy then sees the original destination as its
 * local address. Only tc ingress may assign sockets, so a pod-bound packet is first turned back into the host.
 */
#ifndef WARD_PROXY_H
#define WARD_PROXY_H

#include <linux/pkt_cls.h>
#include "ward_packet.h"

static __always_inline __u32 tuple_of(const struct flow *f, struct bpf_sock_tuple *t)
{
	if (f->family == 4) {
		__builtin_memcpy(&t->ipv4.saddr, f->saddr + 12, 4);
		__builtin_memcpy(&t->ipv4.daddr, f->daddr + 12, 4);
		t->ipv4.sport = f->sport;
		t->ipv4.dport = f->dport;
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, f->saddr, 16);
	__builtin_memcpy(t->ipv6.daddr, f->daddr, 16);
	t->ipv6.sport = f->sport;
	t->ipv6.dport = f->dport;
	return sizeof(t->ipv6);
}

/* The listener's tuple: any address, the proxy's port (proxies listen on the wildcard address). */
static __always_inline void listener_tuple(struct bpf_sock_tuple *t, __u16 port)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->ipv6.dport = bpf_htons(port);
	t->ipv4.dport = bpf_htons(port);
}

/* The TCP listener on {@code port}, assigned; -1 when there is none. */
static __always_inline int assign_tcp_listener(struct __sk_buff *skb, struct bpf_sock_tuple *t, __u32 len, __u16 port)
{
	listener_tuple(t, port);
	struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return -1;
	if (sk->state != BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		return -1;
	}
	long r = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	return r;
}

/* The flow's own connection if the proxy has one, else the listener on {@code port}, else the standby's. */
static __always_inline int assign_tcp(struct __sk_buff *skb, const struct flow *f, __u16 port, __u16 standby, __u16 *used)
{
	struct bpf_sock_tuple t = {};
	__u32 len = tuple_of(f, &t);
	struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (sk) {
		if (sk->state != BPF_TCP_LISTEN) {
			long r = bpf_sk_assign(skb, sk, 0);
			bpf_sk_release(sk);
			return r;
		}
		bpf_sk_release(sk);
	}
	if (assign_tcp_listener(skb, &t, len, port) == 0)
		return 0;
	if (standby == 0)
		return -1;
	*used = standby;
	return assign_tcp_listener(skb, &t, len, standby);
}

static __always_inline int assign_udp_socket(struct __sk_buff *skb, struct bpf_sock_tuple *t, __u32 len, __u16 port)
{
	listener_tuple(t, port);
	struct bpf_sock *sk = bpf_sk_lookup_udp(skb, t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return -1;
	long r = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	return r;
}

static __always_inline int assign_udp(struct __sk_buff *skb, const struct flow *f, __u16 port, __u16 standby, __u16 *used)
{
	struct bpf_sock_tuple t = {};
	__u32 len = tuple_of(f, &t);
	if (assign_udp_socket(skb, &t, len, port) == 0)
		return 0;
	if (standby == 0)
		return -1;
	*used = standby;
	return assign_udp_socket(skb, &t, len, standby);
}

/* The port registered to stand in for {@code port} while it has no socket; 0 when none is. */
static __always_inline __u16 standby_of(__u16 port)
{
	__u32 key = port;
	__u32 *standby = bpf_map_lookup_elem(&ward_proxy_standby, &key);
	if (!standby || *standby == 0 || *standby > 0xFFFF || *standby == port)
		return 0;
	return (__u16)*standby;
}

/*
 * At tc ingress of the host-side veth: hands the packet to the proxy on {@code port}, or to its standby (see
 * ward_proxy_standby) when nothing listens there; 0 on success.
 */
static __always_inline int proxy_assign(struct __sk_buff *skb, const struct flow *f, __u16 port)
{
	long r;
	if (port == 0)
		return -1;
	__u16 used = port;
	if (f->protocol == IPPROTO_TCP)
		r = assign_tcp(skb, f, port, standby_of(port), &used);
	else if (f->protocol == IPPROTO_UDP)
		r = assign_udp(skb, f, port, standby_of(port), &used);
	else
		return -1;
	if (r != 0)
		return -1;
	skb->mark = WARD_MARK_TO_PROXY | ((__u32)used << 16);
	return 0;
}

/*
 * The node's socket for a TCP packet that is not a listener's: for a pod-bound packet, one of a proxy's upstream
 * connections (transparent, bound to the pod's address); 0 when none. Its local port, in host order, otherwise.
 */
static __always_inline __u16 proxy_upstream_port(struct __sk_buff *skb, const struct flow *f)
{
	struct bpf_sock_tuple t = {};
	__u32 len = tuple_of(f, &t);
	struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	__u16 port = sk->state == BPF_TCP_LISTEN ? 0 : (__u16)sk->src_port;
	bpf_sk_release(sk);
	return port;
}

/*
 * At tc ingress: hands a reply to the node's established socket for it (a proxy's upstream connection) and marks
 * it for local delivery; routing would send it towards the client pod whose address that socket has.
 */
static __always_inline void proxy_assign_established(struct __sk_buff *skb, const struct flow *f)
{
	struct bpf_sock_tuple t = {};
	__u32 len = tuple_of(f, &t);
	struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return;
	long r = sk->state == BPF_TCP_LISTEN ? -1 : bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	if (r == 0)
		skb->mark = WARD_MARK_TO_PROXY;
}

/*
 * At tc egress of the host-side veth (towards the pod): the packet goes back in through the same veth's
 * ingress, addressed to the host (destination MAC = the veth's own, the current source), carrying the proxy
 * port in its mark; the ingress program then assigns it. Marks survive a redirect within one namespace and
 * are scrubbed when a packet crosses namespaces, so a pod cannot forge one.
 */
static __always_inline int proxy_turn_back(struct __sk_buff *skb, __u16 port)
{
	__u8 macs[12];
	if (port == 0 || bpf_skb_load_bytes(skb, 0, macs, sizeof(macs)) < 0)
		return -1;
	__u8 swapped[12];
	__builtin_memcpy(swapped, macs + 6, 6);
	__builtin_memcpy(swapped + 6, macs, 6);
	if (bpf_skb_store_bytes(skb, 0, swapped, sizeof(swapped), 0) < 0)
		return -1;
	skb->mark = WARD_MARK_TO_PROXY | ((__u32)port << 16);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

#endif

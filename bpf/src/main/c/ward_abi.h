/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The layout of every map key and value the datapath shares with user space. The Java codecs in
 * dev.ward.bpf.maps mirror these byte for byte; the loader compares each map's key and value size with what
 * Java expects and refuses to run on a mismatch, so a change here without the Java side fails loudly.
 */
#ifndef WARD_ABI_H
#define WARD_ABI_H

#include <linux/types.h>

/* Directions, as seen from the endpoint (dev.ward.policy.model.Direction ordinals). */
#define WARD_DIR_INGRESS 0
#define WARD_DIR_EGRESS 1

/* Protocol buckets of the policy map: the IP protocol number, or OTHER for any protocol not listed. */
#define WARD_PROTO_ICMP 1
#define WARD_PROTO_TCP 6
#define WARD_PROTO_UDP 17
#define WARD_PROTO_ICMPV6 58
#define WARD_PROTO_SCTP 132
#define WARD_PROTO_OTHER 255

/* Identities the datapath itself names (dev.ward.policy.identity.ReservedIdentity). */
#define WARD_ID_ANY 0
#define WARD_ID_WORLD 2

/* ---- ipcache: LPM trie, address prefix -> security identity ------------------------------------------ */
/* IPv4 addresses are stored v4-mapped (::ffff:a.b.c.d), so one trie holds both families. */
struct ipcache_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct ipcache_value {
	__u32 identity;
	__u32 flags;
};

/* ---- endpoints: hash, host-side veth ifindex -> endpoint ---------------------------------------------- */
#define WARD_EP_ENFORCE_INGRESS (1U << 0)
#define WARD_EP_ENFORCE_EGRESS (1U << 1)
/* Fail closed: every packet in that direction is dropped, whatever the policy map holds. */
#define WARD_EP_LOCK_INGRESS (1U << 2)
#define WARD_EP_LOCK_EGRESS (1U << 3)

#define WARD_EP_NAME_LEN 320
struct endpoint_value {
	__u32 endpoint_id;
	__u32 identity;
	__u32 flags;
	__u32 reserved;
	char veth[16];
	char name[WARD_EP_NAME_LEN];
};

/* ---- policy: hash of maps, endpoint id -> LPM trie of that endpoint's verdict table ------------------ */
/*
 * The trie matches identity, direction and protocol exactly and the port by prefix (a port range is written
 * as the port prefixes that cover it): prefixlen = 48 + port prefix length.
 */
struct policy_key {
	__u32 prefixlen;
	__u32 identity;
	__u8 direction;
	__u8 protocol;
	__be16 port;
};
#define WARD_POLICY_FIXED_BITS 48

#define WARD_VERDICT_ALLOW 0
#define WARD_VERDICT_DENY 1
#define WARD_VERDICT_REDIRECT 2

struct policy_value {
	__u32 cookie;
	__u16 proxy_port;
	__u8 verdict;
	__u8 flags;
};

/* ---- connection tracking: LRU hash, one entry per flow and endpoint, in the direction that opened it -- */
struct ct_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u32 endpoint_id;
	__u8 protocol;
	__u8 direction;
	__u8 pad[2];
};

#define WARD_CT_REPLY_SEEN (1U << 0)
#define WARD_CT_FIN_FORWARD (1U << 1)
#define WARD_CT_FIN_REPLY (1U << 2)
#define WARD_CT_RST (1U << 3)
/* Opened by an ingress proxy's upstream socket: replies go back to that socket, not by routing. */
#define WARD_CT_PROXY_UPSTREAM (1U << 4)
/* Policy allowed the flow's forward packets at the policy revision in the entry (no proxy redirect). */
#define WARD_CT_ALLOWED (1U << 5)

struct ct_value {
	__u64 expires_ns;
	__u64 created_ns;
	__u64 packets;
	__u64 bytes;
	__u32 flags;
	__u16 proxy_port;
	__u16 pad;
	__u64 policy_revision; /* the revision WARD_CT_ALLOWED was judged at */
};

/* ---- policy revision: array of one, bumped by user space after every write to the maps policy reads -- */
/*
 * The ipcache, the endpoints, the outer policy map and every endpoint's policy map: a forward packet of a
 * flow allowed at the current revision skips the lookups; any write makes every flow be judged again.
 */
struct revision_value {
	__u64 revision;
};

/* ---- fragments: LRU hash, the ports of a fragmented datagram's first fragment ------------------------- */
struct frag_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 id;
	__u8 protocol;
	__u8 pad[3];
};

struct frag_value {
	__be16 sport;
	__be16 dport;
	__u16 policy_port;
	__u8 kind;
	__u8 icmp_type;
};

/* ---- flow events: ring buffer ------------------------------------------------------------------------ */
#define WARD_REASON_FORWARDED 0
#define WARD_REASON_POLICY_DENY 1
#define WARD_REASON_POLICY_DEFAULT_DENY 2
#define WARD_REASON_ENDPOINT_LOCKED 3
#define WARD_REASON_UNKNOWN_ENDPOINT 4
#define WARD_REASON_MALFORMED 5
#define WARD_REASON_PROXY_UNAVAILABLE 6
#define WARD_REASON_FRAGMENT_UNKNOWN 7
#define WARD_REASON_COUNT 16

/* How the packet related to tracked state. */
#define WARD_EVENT_NEW 0
#define WARD_EVENT_ESTABLISHED 1
#define WARD_EVENT_REPLY 2
#define WARD_EVENT_RELATED 3
#define WARD_EVENT_UNTRACKED 4

struct flow_event {
	__u64 timestamp_ns;
	__u32 endpoint_id;
	__u32 local_identity;
	__u32 remote_identity;
	__u32 cookie;
	__u32 ifindex;
	__u32 length;
	__u16 sport;  /* host order; ICMP: 0 */
	__u16 dport;  /* host order; ICMP: 0 */
	__u16 proxy_port;
	__u8 family;  /* 4 or 6 */
	__u8 protocol;
	__u8 direction;
	__u8 verdict;
	__u8 reason;
	__u8 state;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 pad[2];
	__u8 saddr[16];
	__u8 daddr[16];
};

/* ---- counters: per-CPU array, [direction][reason] packets and bytes, then lost events ---------------- */
#define WARD_COUNTER_EVENTS_LOST (2 * WARD_REASON_COUNT)
#define WARD_COUNTER_SLOTS (2 * WARD_REASON_COUNT + 1)

struct counter_value {
	__u64 packets;
	__u64 bytes;
};

/* ---- proxy redirection ------------------------------------------------------------------------------- */
/* skb->mark of a packet handed to a local proxy: magic in bits 8-11 (the ip rule matches it), port above. */
#define WARD_MARK_MAGIC_MASK 0x0F00
#define WARD_MARK_TO_PROXY 0x0200
/*
 * SO_MARK of an ingress proxy's upstream sockets (bits 8-11): the proxy has judged the flow against the pod's
 * ingress rules, so the pod's hook lets it in instead of redirecting it to the proxy again. Marks are scrubbed
 * when a packet crosses into the node's namespace, so only the node's own sockets carry it.
 */
#define WARD_MARK_FROM_INGRESS_PROXY 0x0A00

#endif

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath's maps. Every map is pinned by name under the loader's pin root, so a restarted agent (or a
 * newer program) finds the same state; the sizes below are defaults the loader overrides from its config.
 */
#ifndef WARD_MAPS_H
#define WARD_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ward_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct ipcache_key);
	__type(value, struct ipcache_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_ipcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct endpoint_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_endpoints SEC(".maps");

/*
 * The template of every endpoint's policy map; user space creates one per endpoint with the same shape. Sizes
 * rather than types: clang emits the key and value structs of a template no code instantiates as forward
 * declarations, which libbpf cannot size.
 */
struct ward_policy_inner {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(struct policy_key));
	__uint(value_size, sizeof(struct policy_value));
	__uint(map_flags, BPF_F_NO_PREALLOC);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct ward_policy_inner);
} ward_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct ct_key);
	__type(value, struct ct_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct revision_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_revision SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct frag_key);
	__type(value, struct frag_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_frag SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARD_COUNTER_SLOTS);
	__type(key, __u32);
	__type(value, struct counter_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_counters SEC(".maps");

/*
 * A proxy port's standby (key: proxy port, value: standby port, both host order): a redirect that finds no socket on
 * the proxy port goes to the standby port instead. Before Linux 6.5 bpf_sk_assign refuses a socket of a SO_REUSEPORT
 * group, so two proxies cannot share a port for high availability; the second listens on its own port and takes the
 * traffic while the first has no socket. Only ports with an entry have a fallback.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_proxy_standby SEC(".maps");

#endif

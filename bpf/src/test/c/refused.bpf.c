// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A tc program every verifier refuses: it reads packet data without proving the read is in bounds. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int unchecked_read(struct __sk_buff *skb)
{
	unsigned char *data = (unsigned char *)(long)skb->data;
	return data[20];
}

char _license[] SEC("license") = "Dual BSD/GPL";

/*
 * drop_segments.bpf.c - an eBPF program for lo's tc ingress hook that drops
 * chosen TCP segments, so that a test on loopback can lose packets without
 * netem.  On lo, a capture (AF_PACKET) sees each packet as it is sent,
 * before it comes back in through tc ingress, so every dropped segment is
 * still in the capture: the loss lies after the capture point.
 *
 * Compiled by the test with the choice as macros:
 *   clang -O2 -target bpf -DDROP_PORT_A=P [-DDROP_PORT_B=Q]
 *         [-DDROP_COUNT=N] [-DDROP_FLAGS=F -DDROP_MASK=M] -c FILE -o OBJ
 * and attached with
 *   tc qdisc add dev lo clsact
 *   tc filter add dev lo ingress bpf direct-action obj OBJ sec tc
 * It drops the first DROP_COUNT (default 1) IPv4 TCP segments to each of
 * the destination ports DROP_PORT_A and DROP_PORT_B whose flags, masked by
 * DROP_MASK, equal DROP_FLAGS (default: a SYN without ACK).  With
 * -DDROP_ACK_AFTER, once it has dropped such a segment to a port, it also
 * drops the next pure ACK (no data, no other flag) to that port, once.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef DROP_PORT_A
#error "DROP_PORT_A must be defined"
#endif
#ifndef DROP_PORT_B
#define DROP_PORT_B DROP_PORT_A
#endif
#ifndef DROP_COUNT
#define DROP_COUNT 1
#endif
#ifndef DROP_FLAGS
#define DROP_FLAGS 0x02		/* SYN */
#endif
#ifndef DROP_MASK
#define DROP_MASK 0x12		/* SYN | ACK */
#endif

#define TCP_FLAGS_OFFSET 13	/* byte 13 of the TCP header (RFC 9293, 3.1) */

#define TCP_FLAG_ACK 0x10

/* Segments dropped so far: [0] to DROP_PORT_A, [1] to DROP_PORT_B; [2] and
 * [3]: pure ACKs dropped to them (DROP_ACK_AFTER). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

SEC("tc")
int drop_segments(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct tcphdr *th;
	__u8 flags;
	__u32 key;
	__u64 *n;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	th = (void *)ip + ip->ihl * 4;
	if ((void *)(th + 1) > end)
		return TC_ACT_OK;
	if (th->dest == bpf_htons(DROP_PORT_A))
		key = 0;
	else if (th->dest == bpf_htons(DROP_PORT_B))
		key = 1;
	else
		return TC_ACT_OK;
	flags = *((__u8 *)th + TCP_FLAGS_OFFSET);
#ifdef DROP_ACK_AFTER
	if (flags == TCP_FLAG_ACK &&
	    bpf_ntohs(ip->tot_len) == ip->ihl * 4 + th->doff * 4) {
		__u32 ack_key = key + 2;
		__u64 *acks = bpf_map_lookup_elem(&dropped, &ack_key);

		n = bpf_map_lookup_elem(&dropped, &key);
		if (!n || !acks || *n == 0 || *acks > 0)
			return TC_ACT_OK;
		__sync_fetch_and_add(acks, 1);
		return TC_ACT_SHOT;
	}
#endif
	if ((flags & DROP_MASK) != DROP_FLAGS)
		return TC_ACT_OK;
	n = bpf_map_lookup_elem(&dropped, &key);
	if (!n || *n >= DROP_COUNT)
		return TC_ACT_OK;
	__sync_fetch_and_add(n, 1);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";

/*
 * hsa_kernel.h - what this machine's kernel says, read live: the TIME-WAIT
 * sockets of its socket table (netlink sock_diag, the interface ss uses)
 * and the sysctls that decide what they cost (the ephemeral port range,
 * tcp_tw_reuse, tcp_max_tw_buckets).  Inside a network namespace it is that
 * namespace's table.  A machine without sock_diag, or without permission,
 * gets a note instead of figures.
 */
#ifndef HSA_KERNEL_H
#define HSA_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsa_packet.h"

/* TIME-WAIT sockets from one local address to one remote address and
 * port, with their remaining timers. */
struct hsa_kernel_tw_group {
	uint8_t ip_version;
	bool connecting;		/* local port in the ephemeral range,
					 * remote port not: this side connected */
	struct hsa_addr local;
	struct hsa_addr remote;
	uint16_t remote_port;		/* 0 for a listening side's group */
	uint16_t local_port;		/* the listening port, or 0 */
	uint32_t count;
	uint32_t timer_min_ms;		/* remaining TIME-WAIT */
	uint32_t timer_max_ms;
};

/* One TIME-WAIT socket of the last read. */
struct hsa_kernel_sock {
	uint32_t group;			/* index into groups */
	uint32_t timer_ms;		/* remaining TIME-WAIT */
};

struct hsa_kernel_state {
	bool available;			/* the socket table was read */
	char note[200];			/* why not, when not */
	int64_t read_at;		/* wall clock, ns since the epoch */
	uint64_t reads;
	bool sysctls_read;
	uint16_t port_low;
	uint16_t port_high;
	int tw_reuse;			/* -1: unknown */
	long max_tw_buckets;		/* -1: unknown */
	uint64_t time_wait;		/* TIME-WAIT sockets in all */
	struct hsa_kernel_tw_group *groups;	/* most sockets first */
	size_t ngroups;
	struct hsa_kernel_sock *socks;
	size_t nsocks;
	/* The first read that worked, for the report. */
	int64_t first_read_at;
	uint64_t first_time_wait;
	uint32_t first_busiest;		/* the largest connecting group */
};

/* Read the sysctls and the TIME-WAIT sockets now.  Returns 0, or a
 * negative errno with k->note saying why (the sysctls may still have been
 * read). */
int hsa_kernel_read(struct hsa_kernel_state *k);
void hsa_kernel_free(struct hsa_kernel_state *k);

#endif

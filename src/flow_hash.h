/*
 * flow_hash.h - the hash of a connection's 4-tuple, the same in both
 * directions, keyed with a secret chosen per run (SipHash-1-3), so that
 * crafted traffic cannot aim many connections at one bucket.
 */
#ifndef HSA_FLOW_HASH_H
#define HSA_FLOW_HASH_H

#include <stdint.h>

#include "hsa_packet.h"

struct hsa_flow_key_secret {
	uint64_t k0;
	uint64_t k1;
};

/* Fill the secret from the kernel's random source. */
void hsa_flow_hash_seed(struct hsa_flow_key_secret *s);

/* SipHash-1-3, keyed with s, of the byte string
 *   low address, high address, low port, high port, ip_version
 * (addresses 4 bytes for IPv4, 16 for IPv6; ports in network order; low is
 * the endpoint whose address bytes, then port, compare lower), so the same
 * for (a, aport, b, bport) and (b, bport, a, aport). */
uint64_t hsa_flow_hash(const struct hsa_flow_key_secret *s, uint8_t ip_version,
    const struct hsa_addr *a, uint16_t aport,
    const struct hsa_addr *b, uint16_t bport);

#endif

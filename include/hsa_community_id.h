/*
 * hsa_community_id.h - the Community ID flow hash (version 1), which Zeek,
 * Suricata, Wireshark and Elastic put in their flow records, so that the
 * connection log can be joined with theirs.
 *
 * Specification: https://github.com/corelight/community-id-spec
 */
#ifndef HSA_COMMUNITY_ID_H
#define HSA_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#include "hsa_packet.h"

/* "1:" and the base64 of a 20-byte SHA-1 digest. */
#define HSA_COMMUNITY_ID_LEN	(2 + 28)

#define HSA_IPPROTO_TCP 6

/* The Community ID of a TCP flow between a:aport and b:bport (either
 * order gives the same ID), IPv4 (ip_version 4: the first 4 bytes of each
 * address) or IPv6, with seed (0 unless all tools agree on another),
 * written at p: HSA_COMMUNITY_ID_LEN bytes, no terminating NUL.  Returns
 * the end. */
char *hsa_put_community_id(char *p, uint8_t ip_version,
    const struct hsa_addr *a, uint16_t aport, const struct hsa_addr *b,
    uint16_t bport, uint16_t seed);

#endif

/*
 * floor: the cheapest possible pass over a pcap file with libpcap --
 * pcap_open_offline() and a pcap_next_ex() loop that touches every packet
 * (it sums the last captured byte and the caplen of each, so the compiler
 * cannot drop the reads).  Its wall time is the floor that the benchmark
 * compares hsanalyze against.
 *
 * usage: floor FILE       prints "packets N caplen_sum S touch T"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: floor FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "floor: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0, caplen = 0, touch = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        caplen += h->caplen;
        if (h->caplen)
            touch += d[h->caplen - 1];
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "floor: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("packets %llu caplen_sum %llu touch %llu\n", (unsigned long long)n,
           (unsigned long long)caplen, (unsigned long long)touch);
    return 0;
}

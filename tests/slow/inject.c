/*
 * inject.c - put N complete TCP connections on an interface (lo in a test's
 * network namespace) as fast as the kernel takes them, through a packet
 * socket, for tests/slow/memory_live.sh.  No real sockets: the frames are
 * made here, so millions of connections need neither ports nor time in
 * TIME-WAIT on this machine.
 *
 *   inject IFACE COUNT FIRST
 *
 * Connection i (FIRST <= i < FIRST + COUNT): client 198.18.A.B, port
 * 32768 + i % 28232, the address advancing every 28232 connections; server
 * 198.19.0.1:80.  SYN, SYN/ACK, ACK, then 15 in 16 end with the client's
 * RST and 1 in 16 with the client's FIN, the server's FIN/ACK and the last
 * ACK (the client enters TIME-WAIT).  Addresses are not local, so the
 * kernel drops the frames after the taps have seen them.  Prints the
 * connections and frames sent.  Exit 0, or 1 with a message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAME_LEN	54	/* Ethernet 14 + IPv4 20 + TCP 20 */
#define BATCH		512
#define PORTS		28232

enum { FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10 };

static uint8_t frames[BATCH][FRAME_LEN];
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];
static int nframes;
static int fd;
static unsigned long long sent;

static void flush(void)
{
	int off = 0;

	while (off < nframes) {
		int n = sendmmsg(fd, msgs + off, (unsigned)(nframes - off), 0);

		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			perror("inject: sendmmsg");
			exit(1);
		}
		off += n;
	}
	sent += (unsigned long long)nframes;
	nframes = 0;
}

static uint16_t csum(const uint8_t *p, int len)
{
	uint32_t s = 0;

	for (int i = 0; i < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

static void frame(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
    uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t *f = frames[nframes];
	uint8_t *ip = f + 14, *tcp = ip + 20;

	memset(f, 0, FRAME_LEN);
	put16(f + 12, ETHERTYPE_IP);
	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, csum(ip, 20));
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, flags & ACK ? ack : 0);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	if (++nframes == BATCH)
		flush();
}

int main(int argc, char **argv)
{
	struct sockaddr_ll sll;
	unsigned long long count, first, i;
	uint32_t server = 0xc6130001;	/* 198.19.0.1 */
	int ifindex;

	if (argc != 4) {
		fprintf(stderr, "usage: inject IFACE COUNT FIRST\n");
		return 1;
	}
	count = strtoull(argv[2], NULL, 10);
	first = strtoull(argv[3], NULL, 10);
	if (!(ifindex = (int)if_nametoindex(argv[1]))) {
		fprintf(stderr, "inject: %s: no such interface\n", argv[1]);
		return 1;
	}
	if ((fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) < 0) {
		perror("inject: socket");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_protocol = htons(ETH_P_ALL);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror("inject: bind");
		return 1;
	}
	for (int k = 0; k < BATCH; k++) {
		iovs[k].iov_base = frames[k];
		iovs[k].iov_len = FRAME_LEN;
		msgs[k].msg_hdr.msg_iov = &iovs[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
	}
	for (i = first; i < first + count; i++) {
		uint32_t client = 0xc6120000 + (uint32_t)(i / PORTS);	/* 198.18.x.x */
		uint16_t port = (uint16_t)(32768 + i % PORTS);
		uint32_t cisn = (uint32_t)(i * 2654435761u), sisn = ~cisn;

		frame(client, port, server, 80, cisn, 0, SYN);
		frame(server, 80, client, port, sisn, cisn + 1, SYN | ACK);
		frame(client, port, server, 80, cisn + 1, sisn + 1, ACK);
		if (i % 16) {
			frame(client, port, server, 80, cisn + 1, 0, RST);
			continue;
		}
		frame(client, port, server, 80, cisn + 1, sisn + 1, FIN | ACK);
		frame(server, 80, client, port, sisn + 1, cisn + 2, FIN | ACK);
		frame(client, port, server, 80, cisn + 2, sisn + 2, ACK);
	}
	flush();
	printf("inject: %llu connections, %llu frames\n", count, sent);
	return 0;
}

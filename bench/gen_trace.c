/*
 * gen_trace: write a synthetic but realistic pcap of short HTTP/1.0
 * connections through a reverse proxy on loopback, the shape of nginx
 * proxying to a backend under `ab -n N -c 16`:
 *
 *   client 127.0.0.1:eph -> proxy   127.0.0.1:8080   (front connection)
 *   proxy  127.0.0.1:eph -> backend 127.0.0.1:9000   (back connection)
 *
 * Each TCP connection is 10 packets: SYN, SYN/ACK, ACK, request, ACK,
 * response, and a four-packet FIN exchange.  The server closes first on about
 * two thirds of the connections, the client on the rest.  Ephemeral ports
 * cycle through 32768-60999 (one counter per destination), so a 4-tuple
 * recurs every 28,232 connections of its kind, always with a new ISN.
 *
 * --syn-flood N writes N SYNs from random source addresses and ports to
 * 192.0.2.1:80 instead, none answered.
 *
 * Output: DLT_EN10MB, snaplen 128, microsecond timestamps; caplen is
 * min(128, frame length) and the IP total length counts the whole payload.
 * IPv4 header checksums are filled in, TCP checksums are left zero.
 * Everything is deterministic for a given --seed.
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPLEN 128
#define PORT_LO 32768
#define PORT_HI 60999
#define PROXY_PORT 8080
#define BACKEND_PORT 9000
#define LOOPBACK 0x7f000001u
#define MAX_SLOTS 1024
#define START_SEC 1704067200u /* 2024-01-01T00:00:00Z */

/* TCP flags */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* ---- random numbers: splitmix64 seeded xoshiro256** ---- */
static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rseed(uint64_t s)
{
    for (int i = 0; i < 4; i++)
        rs[i] = splitmix(&s);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rnd(void)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}

/* uniform in [lo, hi] */
static inline uint32_t urange(uint32_t lo, uint32_t hi)
{
    return lo + (uint32_t)(((rnd() >> 32) * (uint64_t)(hi - lo + 1)) >> 32);
}

/* ---- output ---- */
static pcap_dumper_t *dumper;
static uint64_t n_packets, n_bytes;
static unsigned char pkt[SNAPLEN + 64];

static void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = (unsigned char)v; }
static void put32(unsigned char *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

static uint16_t ip_checksum(const unsigned char *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)h[i] << 8 | h[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/*
 * Build and write one Ethernet/IPv4/TCP frame.  `opt`/`optlen` are the TCP
 * options (a multiple of 4); `payload` holds at least the captured part of
 * the payload, `paylen` is its full length.
 */
static void emit(uint64_t t_us, uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport,
                 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, uint16_t ipid,
                 uint8_t ttl, const unsigned char *opt, unsigned optlen,
                 const char *payload, unsigned paylen)
{
    unsigned char *e = pkt, *ip = pkt + 14, *tcp = ip + 20;
    unsigned thl = 20 + optlen;
    unsigned iplen = 20 + thl + paylen;
    unsigned len = 14 + iplen;
    unsigned caplen = len < SNAPLEN ? len : SNAPLEN;

    /* loopback: all-zero MACs, as Linux captures on lo */
    memset(e, 0, 12);
    put16(e + 12, 0x0800);

    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)iplen);
    put16(ip + 4, ipid);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = ttl;
    ip[9] = 6;
    put16(ip + 10, 0);
    put32(ip + 12, sip);
    put32(ip + 16, dip);
    put16(ip + 10, ip_checksum(ip));

    put16(tcp, sport);
    put16(tcp + 2, dport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (unsigned char)((thl / 4) << 4);
    tcp[13] = flags;
    put16(tcp + 14, win);
    put16(tcp + 16, 0); /* checksum: left zero */
    put16(tcp + 18, 0);
    if (optlen)
        memcpy(tcp + 20, opt, optlen);
    if (paylen) {
        unsigned room = caplen - (14 + 20 + thl);
        memcpy(tcp + thl, payload, paylen < room ? paylen : room);
    }

    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(START_SEC + t_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(t_us % 1000000u);
    h.caplen = caplen;
    h.len = len;
    pcap_dump((u_char *)dumper, &h, pkt);
    n_packets++;
    n_bytes += 16 + caplen;
}

/* ---- HTTP payloads (only the first ~60 bytes are ever captured) ---- */
static char front_req[256], back_req[256], resp_hdr[512];
static unsigned front_req_len, back_req_len;

static void init_payloads(void)
{
    front_req_len = (unsigned)snprintf(front_req, sizeof front_req,
        "GET /index.html HTTP/1.0\r\nHost: 127.0.0.1:8080\r\n"
        "User-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n");
    back_req_len = (unsigned)snprintf(back_req, sizeof back_req,
        "GET /index.html HTTP/1.0\r\nHost: backend\r\nConnection: close\r\n"
        "User-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n");
    snprintf(resp_hdr, sizeof resp_hdr,
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
        "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Type: text/html\r\n"
        "Content-Length: 615\r\nConnection: close\r\n\r\n");
}

/* ---- a TCP connection ---- */
struct conn {
    uint16_t cport, sport;      /* client (ephemeral) and server port */
    uint32_t c_nxt, s_nxt;      /* next sequence number each side sends */
    uint32_t c_tsv, s_tsv;      /* last TSval each side sent (for TSecr) */
    uint16_t c_id, s_id;        /* IP ID counters */
    int server_closes;          /* which side sends the first FIN */
    unsigned resp_len;          /* response payload length */
};

static uint32_t ts_offset;      /* one per address pair, as Linux does */
static uint32_t isn_secret;

static inline uint32_t tsval(uint64_t t_us) { return ts_offset + (uint32_t)(t_us / 1000u); }

/* Linux-like ISN: a keyed hash of the 4-tuple plus a 4 µs clock (so a reused
 * 4-tuple gets a later ISN than the previous incarnation). */
static uint32_t isn_for(uint16_t sport, uint16_t dport, uint64_t t_us, uint32_t salt)
{
    uint64_t x = ((uint64_t)sport << 32 | (uint64_t)dport << 16 | salt) ^ isn_secret;
    uint32_t h = (uint32_t)splitmix(&x);
    return h + (uint32_t)(t_us * 16u); /* 64 ns ticks */
}

static void syn_opts(unsigned char *o, uint16_t mss, uint32_t tsv, uint32_t tse, uint8_t ws)
{
    /* Linux order: MSS, SACK_PERM, TS, NOP, WS */
    o[0] = 2; o[1] = 4; put16(o + 2, mss);
    o[4] = 4; o[5] = 2;
    o[6] = 8; o[7] = 10; put32(o + 8, tsv); put32(o + 12, tse);
    o[16] = 1;
    o[17] = 3; o[18] = 3; o[19] = ws;
}

static void ts_opts(unsigned char *o, uint32_t tsv, uint32_t tse)
{
    o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10;
    put32(o + 4, tsv);
    put32(o + 8, tse);
}

/* client -> server segment */
static void c2s(struct conn *c, uint64_t t, uint8_t flags, const char *pl, unsigned plen)
{
    unsigned char o[20];
    uint32_t v = tsval(t);
    uint32_t seq = c->c_nxt;
    if (flags & F_SYN) {
        syn_opts(o, 65495, v, 0, 7);
        emit(t, LOOPBACK, c->cport, LOOPBACK, c->sport, seq, 0, flags, 65495,
             c->c_id++, 64, o, 20, NULL, 0);
        c->c_nxt++;
    } else {
        ts_opts(o, v, c->s_tsv);
        emit(t, LOOPBACK, c->cport, LOOPBACK, c->sport, seq, c->s_nxt, flags, 512,
             c->c_id++, 64, o, 12, pl, plen);
        c->c_nxt += plen + ((flags & F_FIN) ? 1 : 0);
    }
    c->c_tsv = v;
}

/* server -> client segment */
static void s2c(struct conn *c, uint64_t t, uint8_t flags, const char *pl, unsigned plen)
{
    unsigned char o[20];
    uint32_t v = tsval(t);
    uint32_t seq = c->s_nxt;
    if (flags & F_SYN) {
        syn_opts(o, 65495, v, c->c_tsv, 7);
        emit(t, LOOPBACK, c->sport, LOOPBACK, c->cport, seq, c->c_nxt, flags, 65483,
             0, 64, o, 20, NULL, 0);
        c->s_nxt++;
    } else {
        ts_opts(o, v, c->c_tsv);
        emit(t, LOOPBACK, c->sport, LOOPBACK, c->cport, seq, c->c_nxt, flags, 512,
             c->s_id++, 64, o, 12, pl, plen);
        c->s_nxt += plen + ((flags & F_FIN) ? 1 : 0);
    }
    c->s_tsv = v;
}

/* ---- the per-client-slot script ---- */
/*
 * One ab request is 20 steps over two connections, F (front) and B (back):
 *   F: SYN SYN/ACK ACK req ACK
 *   B: SYN SYN/ACK ACK req ACK resp
 *   F: resp
 *   B: close (4 packets)
 *   F: close (4 packets)
 * A close is FIN, ACK, FIN, ACK from the closing side first.
 */
enum { STEPS = 20 };

struct slot {
    uint64_t t;     /* time of the next step */
    int step;       /* 0..STEPS-1 */
    int has_back;   /* this request also opens a backend connection */
    struct conn f, b;
};

static uint16_t front_port = PORT_LO, back_port = PORT_LO + 14116;
static uint64_t conns_left;
static uint32_t conn_salt;

static uint16_t next_port(uint16_t *p)
{
    uint16_t v = *p;
    *p = (uint16_t)(v == PORT_HI ? PORT_LO : v + 1);
    return v;
}

static void open_conn(struct conn *c, uint16_t cport, uint16_t sport, uint64_t t)
{
    c->cport = cport;
    c->sport = sport;
    c->c_nxt = isn_for(cport, sport, t, 0);
    c->s_nxt = isn_for(sport, cport, t, 1);
    c->c_tsv = c->s_tsv = 0;
    c->c_id = (uint16_t)rnd();
    c->s_id = (uint16_t)rnd();
    c->server_closes = urange(0, 2) != 0; /* ~2/3 server first */
    c->resp_len = 0;
    conn_salt++;
}

/* Start a new request on slot s at time t; returns 0 when nothing is left. */
static int start_request(struct slot *s, uint64_t t)
{
    if (conns_left == 0)
        return 0;
    s->t = t;
    s->step = 0;
    conns_left--;
    open_conn(&s->f, next_port(&front_port), PROXY_PORT, t);
    s->has_back = conns_left > 0;
    if (s->has_back)
        conns_left--;
    return 1;
}

/* Close sequence step k (0..3) on connection c at time t. */
static void close_step(struct conn *c, int k, uint64_t t)
{
    if (c->server_closes) {
        switch (k) {
        case 0: s2c(c, t, F_FIN | F_ACK, NULL, 0); break;
        case 1: c2s(c, t, F_ACK, NULL, 0); break;
        case 2: c2s(c, t, F_FIN | F_ACK, NULL, 0); break;
        case 3: s2c(c, t, F_ACK, NULL, 0); break;
        }
    } else {
        switch (k) {
        case 0: c2s(c, t, F_FIN | F_ACK, NULL, 0); break;
        case 1: s2c(c, t, F_ACK, NULL, 0); break;
        case 2: s2c(c, t, F_FIN | F_ACK, NULL, 0); break;
        case 3: c2s(c, t, F_ACK, NULL, 0); break;
        }
    }
}

/* Response payload: the header block, then body bytes (never captured). */
static unsigned pick_resp_len(void)
{
    /* mostly the 615-byte nginx page, sometimes a larger object */
    unsigned hdr = (unsigned)strlen(resp_hdr);
    unsigned r = urange(0, 99);
    if (r < 80) return hdr + 615;
    if (r < 95) return hdr + urange(1000, 8000);
    return hdr + urange(8000, 60000);
}

/*
 * Perform slot s's current step, then set s->t to the time of its next one.
 * Delays are in microseconds: kernel-to-kernel replies on loopback take a
 * few µs to tens of µs; steps that wait for a process to be scheduled
 * (accept, read, the backend's work) take a few hundred µs on a loaded
 * 2-core box.  Returns 0 when the slot has finished its last request.
 */
static int run_step(struct slot *s)
{
    uint64_t t = s->t;
    struct conn *f = &s->f, *b = &s->b;
    int st = s->step;
    uint64_t d = 0;

    /* without a backend connection, skip its steps */
    if (!s->has_back && ((st >= 5 && st <= 10) || (st >= 12 && st <= 15)))
        st = s->step = (st <= 10) ? 11 : 16;

    switch (st) {
    case 0: c2s(f, t, F_SYN, NULL, 0); d = urange(4, 25); break;
    case 1: s2c(f, t, F_SYN | F_ACK, NULL, 0); d = urange(3, 15); break;
    case 2: c2s(f, t, F_ACK, NULL, 0); d = urange(8, 200); break;
    case 3: c2s(f, t, F_PSH | F_ACK, front_req, front_req_len); d = urange(10, 60); break;
    case 4:
        s2c(f, t, F_ACK, NULL, 0);
        d = urange(100, 1800); /* nginx wakes up, reads, connects upstream */
        if (s->has_back)
            open_conn(b, next_port(&back_port), BACKEND_PORT, t + d);
        break;
    case 5: c2s(b, t, F_SYN, NULL, 0); d = urange(4, 25); break;
    case 6: s2c(b, t, F_SYN | F_ACK, NULL, 0); d = urange(3, 15); break;
    case 7: c2s(b, t, F_ACK, NULL, 0); d = urange(5, 60); break;
    case 8: c2s(b, t, F_PSH | F_ACK, back_req, back_req_len); d = urange(10, 60); break;
    case 9: s2c(b, t, F_ACK, NULL, 0); d = urange(150, 2500); break; /* backend works */
    case 10:
        b->resp_len = pick_resp_len();
        s2c(b, t, F_PSH | F_ACK, resp_hdr, b->resp_len);
        d = urange(30, 500);
        break;
    case 11:
        f->resp_len = s->has_back ? b->resp_len : pick_resp_len();
        s2c(f, t, F_PSH | F_ACK, resp_hdr, f->resp_len);
        d = urange(5, 80);
        break;
    case 12: case 13: case 14: case 15:
        close_step(b, st - 12, t);
        d = (st == 13) ? urange(30, 700) : urange(3, 40);
        break;
    case 16: case 17: case 18: case 19:
        close_step(f, st - 16, t);
        d = (st == 17) ? urange(30, 700) : urange(3, 40);
        break;
    }
    s->step = st + 1;
    s->t = t + d;
    if (s->step == STEPS)
        return start_request(s, s->t + urange(20, 300)); /* ab starts the next one */
    return 1;
}

/* ---- SYN flood ---- */
static void syn_flood(uint64_t n)
{
    uint64_t t = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t sip;
        do
            sip = (uint32_t)rnd();
        while ((sip >> 24) == 0 || (sip >> 24) == 127 || (sip >> 24) >= 224);
        uint16_t sport = (uint16_t)urange(1024, 65535);
        uint32_t seq = (uint32_t)rnd();
        uint16_t win = (uint16_t)urange(512, 65535);
        emit(t, sip, sport, 0xc0000201u /* 192.0.2.1 */, 80, seq, 0, F_SYN, win,
             (uint16_t)rnd(), (uint8_t)urange(40, 64), NULL, 0, NULL, 0);
        t += urange(1, 3); /* ~500k SYNs/s */
    }
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: gen_trace [-n CONNECTIONS] [-c CONCURRENCY] [--seed S] -o FILE\n"
        "       gen_trace --syn-flood N [--seed S] -o FILE\n"
        "  -n N          TCP connections to write (default 200000; ~10 packets each)\n"
        "  -c C          concurrent ab clients (default 16); each request is a\n"
        "                front (client->proxy:8080) and a back (proxy->backend:9000)\n"
        "                connection\n"
        "  --syn-flood N write N unanswered SYNs from random sources instead\n"
        "  --seed S      random seed (default 1); output is deterministic\n"
        "  -o FILE       output pcap (\"-\" for standard output)\n");
}

int main(int argc, char **argv)
{
    uint64_t nconn = 200000, flood = 0, seed = 1;
    long conc = 16;
    const char *out = NULL;
    static const struct option lo[] = {
        {"syn-flood", required_argument, NULL, 'F'},
        {"seed", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    char *end;
    while ((ch = getopt_long(argc, argv, "n:c:o:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'n':
            errno = 0;
            nconn = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg) { fprintf(stderr, "gen_trace: bad -n %s\n", optarg); return 2; }
            break;
        case 'c':
            conc = strtol(optarg, &end, 10);
            if (*end || conc < 1 || conc > MAX_SLOTS) { fprintf(stderr, "gen_trace: bad -c %s (1..%d)\n", optarg, MAX_SLOTS); return 2; }
            break;
        case 'o': out = optarg; break;
        case 'F':
            errno = 0;
            flood = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || flood == 0) { fprintf(stderr, "gen_trace: bad --syn-flood %s\n", optarg); return 2; }
            break;
        case 'S':
            errno = 0;
            seed = strtoull(optarg, &end, 0);
            if (errno || *end || !*optarg) { fprintf(stderr, "gen_trace: bad --seed %s\n", optarg); return 2; }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!out || optind != argc) {
        usage(stderr);
        return 2;
    }

    rseed(seed);
    ts_offset = (uint32_t)rnd();
    isn_secret = (uint32_t)rnd();
    init_payloads();

    pcap_t *p = pcap_open_dead(DLT_EN10MB, SNAPLEN);
    if (!p) { fprintf(stderr, "gen_trace: pcap_open_dead failed\n"); return 1; }
    FILE *fp = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
    if (!fp) { fprintf(stderr, "gen_trace: %s: %s\n", out, strerror(errno)); return 1; }
    static char iobuf[1 << 20];
    setvbuf(fp, iobuf, _IOFBF, sizeof iobuf);
    dumper = pcap_dump_fopen(p, fp);
    if (!dumper) { fprintf(stderr, "gen_trace: %s: %s\n", out, pcap_geterr(p)); return 1; }

    if (flood) {
        syn_flood(flood);
    } else {
        static struct slot slots[MAX_SLOTS];
        int active = 0;
        conns_left = nconn;
        /* ab's clients start within the first ~millisecond */
        for (long i = 0; i < conc; i++)
            if (start_request(&slots[active], urange(0, 800)))
                active++;
        while (active > 0) {
            int m = 0;
            for (int i = 1; i < active; i++)
                if (slots[i].t < slots[m].t)
                    m = i;
            if (!run_step(&slots[m]))
                slots[m] = slots[--active];
        }
    }

    if (pcap_dump_flush(dumper) != 0 || ferror(fp)) {
        fprintf(stderr, "gen_trace: %s: write error: %s\n", out, strerror(errno));
        return 1;
    }
    pcap_dump_close(dumper); /* closes fp */
    pcap_close(p);
    fprintf(stderr, "gen_trace: %llu packets, %llu bytes of records written to %s\n",
            (unsigned long long)n_packets, (unsigned long long)(n_bytes + 24), out);
    return 0;
}

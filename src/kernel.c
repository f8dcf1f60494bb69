/*
 * kernel.c - the machine's own view of TIME-WAIT, read live.
 *
 * The socket table comes from netlink sock_diag (INET_DIAG, what ss reads):
 * one SOCK_DIAG_BY_FAMILY dump per address family, asking for TCP sockets
 * in TIME-WAIT only, so the kernel sends nothing else.  Each answer names
 * the 4-tuple and, in idiag_expires, the milliseconds of TIME-WAIT left.
 * libmnl builds the request and walks the multipart answer; it is the
 * small library nftables and iproute2's tools use for the same job.
 *
 * A socket whose local port lies in the ephemeral range and whose remote
 * port does not was opened by connect(): it holds one of this machine's
 * ports towards that remote address and port.  The others belong to a
 * listening side and are grouped by their local port.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "hsa_kernel.h"

#define TCP_STATE_TIME_WAIT 6		/* include/net/tcp_states.h */
#define PROC_IPV4 "/proc/sys/net/ipv4/"
/* A dump's messages are at most a page (MNL_SOCKET_BUFFER_SIZE is that,
 * computed at run time); this holds any. */
#define NL_BUFFER_SIZE 32768

struct raw {
	uint8_t ip_version;
	struct hsa_addr local;
	struct hsa_addr remote;
	uint16_t local_port;
	uint16_t remote_port;
	uint32_t timer_ms;
	bool connecting;
};

struct dump {
	struct raw *v;
	size_t n;
	size_t cap;
	bool oom;
};

static int read_numbers(const char *name, long *a, long *b)
{
	char path[128];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), PROC_IPV4 "%s", name);
	if (!(f = fopen(path, "r")))
		return -errno;
	n = b ? fscanf(f, "%ld %ld", a, b) : fscanf(f, "%ld", a);
	fclose(f);
	return n == (b ? 2 : 1) ? 0 : -EINVAL;
}

static void read_sysctls(struct hsa_kernel_state *k)
{
	long lo, hi, v;

	k->tw_reuse = -1;
	k->max_tw_buckets = -1;
	if (read_numbers("ip_local_port_range", &lo, &hi) == 0 &&
	    lo >= 1 && lo <= hi && hi <= 65535) {
		k->port_low = (uint16_t)lo;
		k->port_high = (uint16_t)hi;
		k->sysctls_read = true;
	}
	if (read_numbers("tcp_tw_reuse", &v, NULL) == 0)
		k->tw_reuse = (int)v;
	if (read_numbers("tcp_max_tw_buckets", &v, NULL) == 0)
		k->max_tw_buckets = v;
}

static int on_socket(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct dump *d = data;
	struct raw *r;
	size_t alen;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    m->idiag_state != TCP_STATE_TIME_WAIT)
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t n = d->cap ? d->cap * 2 : 1024;
		struct raw *nv = realloc(d->v, n * sizeof(*nv));

		if (!nv) {
			d->oom = true;
			return MNL_CB_OK;	/* counted by the caller */
		}
		d->v = nv;
		d->cap = n;
	}
	r = &d->v[d->n++];
	memset(r, 0, sizeof(*r));
	r->ip_version = m->idiag_family == AF_INET6 ? 6 : 4;
	alen = r->ip_version == 6 ? 16 : 4;
	memcpy(r->local.bytes, m->id.idiag_src, alen);
	memcpy(r->remote.bytes, m->id.idiag_dst, alen);
	r->local_port = ntohs(m->id.idiag_sport);
	r->remote_port = ntohs(m->id.idiag_dport);
	r->timer_ms = m->idiag_expires;
	return MNL_CB_OK;
}

/* One dump of the TIME-WAIT sockets of family; 0 or -errno. */
static int dump_family(struct mnl_socket *nl, uint8_t family, struct dump *d)
{
	static char buf[NL_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	unsigned int seq = (unsigned int)time(NULL) + family, portid;
	ssize_t n;
	int r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = 1u << TCP_STATE_TIME_WAIT;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		r = mnl_cb_run(buf, (size_t)n, seq, portid, on_socket, d);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0)
			return -errno;
	}
	return n < 0 ? -errno : 0;
}

static int raw_order(const void *a, const void *b)
{
	const struct raw *x = a, *y = b;
	int r;

	if (x->connecting != y->connecting)
		return x->connecting ? -1 : 1;
	if (x->ip_version != y->ip_version)
		return x->ip_version - y->ip_version;
	if ((r = memcmp(x->local.bytes, y->local.bytes, 16)) != 0)
		return r;
	if (x->connecting) {
		if ((r = memcmp(x->remote.bytes, y->remote.bytes, 16)) != 0)
			return r;
		return x->remote_port - y->remote_port;
	}
	return x->local_port - y->local_port;
}

/* A group and where it was before sorting. */
struct ranked {
	struct hsa_kernel_tw_group g;
	size_t was;
};

static int ranked_order(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->g.count != y->g.count)
		return x->g.count > y->g.count ? -1 : 1;
	if (x->g.connecting != y->g.connecting)
		return x->g.connecting ? -1 : 1;
	return x->was < y->was ? -1 : 1;
}

/* Fold the sorted sockets into groups, then order the groups most sockets
 * first, the sockets following. */
static int make_groups(struct hsa_kernel_state *k, struct dump *d)
{
	struct hsa_kernel_tw_group *g = NULL;
	struct ranked *rk;
	size_t i, n = d->n ? d->n : 1, *rank;

	for (i = 0; i < d->n; i++) {
		struct raw *r = &d->v[i];

		r->connecting = k->sysctls_read &&
		    r->local_port >= k->port_low && r->local_port <= k->port_high &&
		    !(r->remote_port >= k->port_low && r->remote_port <= k->port_high);
	}
	if (d->n)
		qsort(d->v, d->n, sizeof(*d->v), raw_order);
	k->groups = calloc(n, sizeof(*k->groups));
	k->socks = calloc(n, sizeof(*k->socks));
	if (!k->groups || !k->socks)
		return -ENOMEM;
	for (i = 0; i < d->n; i++) {
		const struct raw *r = &d->v[i];

		if (i == 0 || raw_order(r, &d->v[i - 1]) != 0) {
			g = &k->groups[k->ngroups++];
			g->ip_version = r->ip_version;
			g->connecting = r->connecting;
			g->local = r->local;
			if (r->connecting) {
				g->remote = r->remote;
				g->remote_port = r->remote_port;
			} else
				g->local_port = r->local_port;
			g->timer_min_ms = g->timer_max_ms = r->timer_ms;
		}
		g->count++;
		if (r->timer_ms < g->timer_min_ms)
			g->timer_min_ms = r->timer_ms;
		if (r->timer_ms > g->timer_max_ms)
			g->timer_max_ms = r->timer_ms;
		k->socks[i].group = (uint32_t)(k->ngroups - 1);
		k->socks[i].timer_ms = r->timer_ms;
	}
	k->nsocks = d->n;
	rk = calloc(k->ngroups ? k->ngroups : 1, sizeof(*rk));
	rank = calloc(k->ngroups ? k->ngroups : 1, sizeof(*rank));
	if (!rk || !rank) {
		free(rk);
		free(rank);
		return -ENOMEM;
	}
	for (i = 0; i < k->ngroups; i++) {
		rk[i].g = k->groups[i];
		rk[i].was = i;
	}
	qsort(rk, k->ngroups, sizeof(*rk), ranked_order);
	for (i = 0; i < k->ngroups; i++) {
		k->groups[i] = rk[i].g;
		rank[rk[i].was] = i;
	}
	for (i = 0; i < k->nsocks; i++)
		k->socks[i].group = (uint32_t)rank[k->socks[i].group];
	free(rk);
	free(rank);
	return 0;
}

void hsa_kernel_free(struct hsa_kernel_state *k)
{
	free(k->groups);
	free(k->socks);
	k->groups = NULL;
	k->socks = NULL;
	k->ngroups = k->nsocks = 0;
}

int hsa_kernel_read(struct hsa_kernel_state *k)
{
	struct mnl_socket *nl;
	struct dump d = { 0 };
	struct timespec now;
	int r = 0;

	hsa_kernel_free(k);
	k->available = false;
	k->time_wait = 0;
	k->note[0] = '\0';
	read_sysctls(k);
	clock_gettime(CLOCK_REALTIME, &now);
	k->read_at = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
	if (!(nl = mnl_socket_open(NETLINK_SOCK_DIAG)) ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		snprintf(k->note, sizeof(k->note),
		    "the kernel's socket table (netlink sock_diag) could not be read: %s",
		    strerror(-r));
		if (nl)
			mnl_socket_close(nl);
		return r;
	}
	if ((r = dump_family(nl, AF_INET, &d)) == 0)
		r = dump_family(nl, AF_INET6, &d);
	mnl_socket_close(nl);
	if (r == 0 && d.oom)
		r = -ENOMEM;
	if (r == 0)
		r = make_groups(k, &d);
	free(d.v);
	if (r != 0) {
		hsa_kernel_free(k);
		snprintf(k->note, sizeof(k->note),
		    "the kernel's TIME-WAIT sockets (netlink sock_diag) could not be read: %s",
		    strerror(-r));
		return r;
	}
	k->available = true;
	k->time_wait = k->nsocks;
	if (!k->reads++) {
		k->first_read_at = k->read_at;
		k->first_time_wait = k->time_wait;
		k->first_busiest = k->ngroups && k->groups[0].connecting ?
		    k->groups[0].count : 0;
	}
	return 0;
}

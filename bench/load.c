/*
 * load: HTTP/1.0 requests at a fixed rate of new connections, for the live
 * benchmark (bench/live.sh).  ab sends as fast as it can; measuring how
 * many new connections a capture keeps up with needs a rate that stays
 * put whatever the capture costs.
 *
 * usage: load -p PORT -r RATE -d SECONDS [-a ADDR] [-m MAX_OPEN] [-u PATH]
 *
 * Every 1/RATE s (paced in 1 ms ticks) it opens a TCP connection to
 * ADDR:PORT (default 127.0.0.1), sends "GET PATH HTTP/1.0" and reads until
 * the server closes, then closes; at most MAX_OPEN (default 2000) are open
 * at once, and a connection that would pass that is counted as missed, not
 * delayed.  At the end it prints one line:
 *
 *     load: rate R/s for S s: started N done D failed F missed M achieved A/s
 *
 * where A counts completed requests per second.  Exit status 0, or 2 on bad
 * usage or when the first connection cannot be made at all.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 1000000LL	/* pacing granularity: 1 ms */
#define MAX_EVENTS 256

struct conn {
	int fd;
	size_t sent;		/* bytes of the request written */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

enum step { STEP_MORE, STEP_DONE, STEP_FAILED };

/* Move connection c on after epoll said `events`: send the rest of the
 * request, or read the response to its end. */
static enum step step(int ep, struct conn *c, uint32_t events,
    const char *req, size_t reqlen, char *buf, size_t buflen)
{
	struct epoll_event ev;
	ssize_t r;

	if ((events & EPOLLOUT) && c->sent < reqlen) {
		r = send(c->fd, req + c->sent, reqlen - c->sent, MSG_NOSIGNAL);
		if (r < 0 && errno != EAGAIN)
			return STEP_FAILED;
		if (r > 0)
			c->sent += (size_t)r;
		if (c->sent == reqlen) {
			ev.events = EPOLLIN;
			ev.data.fd = c->fd;
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
		return STEP_MORE;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return STEP_MORE;
	while ((r = recv(c->fd, buf, buflen, 0)) > 0)
		;
	if (r < 0 && errno == EAGAIN)
		return STEP_MORE;
	return r == 0 && c->sent == reqlen ? STEP_DONE : STEP_FAILED;
}

static void usage(void)
{
	fprintf(stderr, "usage: load -p PORT -r RATE -d SECONDS [-a ADDR] [-m MAX_OPEN] [-u PATH]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *path = "/";
	long port = 0, rate = 0, secs = 0, max_open = 2000;
	struct sockaddr_in sa;
	struct epoll_event ev, evs[MAX_EVENTS];
	struct conn *conns;
	char req[256], buf[65536];
	size_t reqlen;
	uint64_t started = 0, done = 0, failed = 0, missed = 0;
	long open_now = 0;
	int64_t t0, end;
	int opt, ep, i, n;

	while ((opt = getopt(argc, argv, "a:p:r:d:m:u:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'r': rate = strtol(optarg, NULL, 10); break;
		case 'd': secs = strtol(optarg, NULL, 10); break;
		case 'm': max_open = strtol(optarg, NULL, 10); break;
		case 'u': path = optarg; break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || rate <= 0 || secs <= 0 || max_open <= 0)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	reqlen = (size_t)snprintf(req, sizeof(req),
	    "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: hsanalyze-bench-load\r\n\r\n",
	    path, addr);
	if (reqlen >= sizeof(req))
		usage();
	{
		struct rlimit rl = { (rlim_t)max_open + 64, (rlim_t)max_open + 64 };

		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Indexed by fd. */
	if (!(conns = calloc((size_t)max_open + 1024, sizeof(*conns))) ||
	    (ep = epoll_create1(0)) < 0) {
		perror("load");
		return 2;
	}
	t0 = now_ns();
	end = t0 + secs * 1000000000LL;
	for (;;) {
		int64_t t = now_ns();
		int timeout;

		/* Open what is due: connection k at t0 + k / rate. */
		while (t < end && (int64_t)started + (int64_t)missed <=
		    (t - t0) * rate / 1000000000LL) {
			int fd;

			if (open_now >= max_open) {
				missed++;
				continue;
			}
			fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (fd < 0 || fd >= max_open + 1024) {
				if (fd >= 0)
					close(fd);
				failed++;
				started++;
				continue;
			}
			started++;
			if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
			    errno != EINPROGRESS) {
				close(fd);
				failed++;
				continue;
			}
			conns[fd].fd = fd;
			conns[fd].sent = 0;
			ev.events = EPOLLOUT | EPOLLIN;
			ev.data.fd = fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			open_now++;
		}
		if (t >= end && open_now == 0)
			break;
		if (t >= end + 5000000000LL)	/* 5 s for stragglers */
			break;
		timeout = (int)(TICK_NS / 1000000);
		n = epoll_wait(ep, evs, MAX_EVENTS, timeout);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			enum step st = step(ep, &conns[fd], evs[i].events, req,
			    reqlen, buf, sizeof(buf));

			if (st == STEP_MORE)
				continue;
			if (st == STEP_DONE)
				done++;
			else
				failed++;
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			open_now--;
		}
	}
	printf("load: rate %ld/s for %ld s: started %llu done %llu failed %llu missed %llu achieved %.0f/s\n",
	    rate, secs, (unsigned long long)started, (unsigned long long)done,
	    (unsigned long long)failed, (unsigned long long)missed,
	    (double)done / (double)secs);
	return started && done == 0 ? 2 : 0;
}

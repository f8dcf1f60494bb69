/*
 * capture_live.c - open a network interface for live capture.
 *
 * Packets are delivered in blocks, as tcpdump -w receives them: the kernel
 * hands over a block of its buffer when it is full or HSA_LIVE_DELIVERY_MS
 * after a packet came, so that a busy capture costs one wake-up per block,
 * not one per packet as in immediate mode.  The reader still
 * wakes at least every HSA_LIVE_DELIVERY_MS when traffic is quiet (see
 * capture.c), so signals, --duration and --interval are handled on time.
 * Nanosecond timestamps are used where the interface offers them.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "hsa_capture.h"

int hsa_capture_open_live(struct hsa_capture *cap, const char *iface,
    int snaplen, int buffer_kib, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int rc;

	memset(cap, 0, sizeof(*cap));
	cap->source = iface;
	cap->live = true;
	cap->pcap = pcap_create(iface, errbuf);
	if (!cap->pcap) {
		snprintf(err, errlen, "%s", errbuf);
		return -1;
	}
	pcap_set_snaplen(cap->pcap, snaplen);
	/* Not immediate: this timeout is then how long a block may wait. */
	pcap_set_timeout(cap->pcap, HSA_LIVE_DELIVERY_MS);
	if (buffer_kib > 0)
		pcap_set_buffer_size(cap->pcap, buffer_kib * 1024);
	pcap_set_tstamp_precision(cap->pcap, PCAP_TSTAMP_PRECISION_NANO);

	rc = pcap_activate(cap->pcap);
	if (rc < 0) {
		const char *detail = pcap_geterr(cap->pcap);

		switch (rc) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "no such device");
			break;
		case PCAP_ERROR_PERM_DENIED:
			snprintf(err, errlen, "permission denied (capturing needs root or CAP_NET_RAW)%s%s",
			    *detail ? ": " : "", detail);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "the interface is not up");
			break;
		default:
			snprintf(err, errlen, "%s", *detail ? detail : pcap_statustostr(rc));
			break;
		}
		pcap_close(cap->pcap);
		cap->pcap = NULL;
		return -1;
	}
	cap->live_fd = pcap_get_selectable_fd(cap->pcap);
	if (cap->live_fd < 0 || pcap_setnonblock(cap->pcap, 1, errbuf) != 0) {
		snprintf(err, errlen, "cannot wait for packets: %s", errbuf);
		pcap_close(cap->pcap);
		cap->pcap = NULL;
		return -1;
	}
	cap->nano = pcap_get_tstamp_precision(cap->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	cap->dlt = pcap_datalink(cap->pcap);
	cap->snaplen = (uint32_t)pcap_snapshot(cap->pcap);
	return 0;
}

int hsa_capture_stats_live(struct hsa_capture *cap, unsigned long long *drops,
    unsigned long long *ifdrops)
{
	struct pcap_stat ps;

	if (!cap->live || pcap_stats(cap->pcap, &ps) != 0)
		return -1;
	*drops = ps.ps_drop;
	*ifdrops = ps.ps_ifdrop;
	return 0;
}

/* The user's ids, or -1 with the cause in err. */
static int lookup_user(const char *user, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if (!(pw = getpwnam(user))) {
		snprintf(err, errlen, "%s", errno ? strerror(errno) : "no such user");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int hsa_privileges_borrow(const char *user, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (lookup_user(user, &uid, &gid, err, errlen) != 0)
		return -1;
	if (initgroups(user, gid) != 0 || setegid(gid) != 0 ||
	    seteuid(uid) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		hsa_privileges_return();
		return -1;
	}
	return 0;
}

void hsa_privileges_return(void)
{
	/* The saved set-user-ID is still the real one: this cannot fail
	 * before hsa_drop_privileges(). */
	if (seteuid(getuid()) != 0 || setegid(getgid()) != 0)
		return;
}

int hsa_drop_privileges(const char *user, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (lookup_user(user, &uid, &gid, err, errlen) != 0)
		return -1;
	if (initgroups(user, gid) != 0 ||
	    setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	/* Make sure there is no way back. */
	if (uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "could not give up root");
		return -1;
	}
	return 0;
}

void hsa_capture_break(struct hsa_capture *cap)
{
	if (cap->pcap)
		pcap_breakloop(cap->pcap);
}

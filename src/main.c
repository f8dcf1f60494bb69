/*
 * main.c - the command line.  Parses options as tcpdump users expect them,
 * runs the pipeline (capture -> decode -> track -> analyse -> report) and is
 * the only place that decides the exit status:
 *
 *   0  success
 *   1  a capture that cannot be opened or read, or is not a capture; an
 *      unsupported link type; an output that cannot be written; a capture
 *      that ends inside a packet record (the report is still written)
 *   2  usage error: bad option, bad value, bad filter expression
 *   130, 143  SIGINT, SIGTERM while reading a file (or a second SIGINT
 *      during a live capture): stopped at once, no output written
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_capture.h"
#include "hsa_handoff.h"
#include "hsa_kernel.h"
#include "hsa_http.h"
#include "hsa_ladder.h"
#include "hsa_metrics.h"
#include "hsa_output.h"
#include "hsa_reader.h"
#include "hsa_report.h"
#include "hsa_summary.h"
#include "hsa_tracker.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_SIGNAL_BASE = 128 };

/* Enough for link, IPv6 with some extension headers and TCP with options. */
#define DEFAULT_SNAPLEN		256
/* Room for the bursts that come while the analysis waits for a core
 * (libpcap's default is 2 MiB). */
#define DEFAULT_BUFFER_KIB	32768
/* --metrics-listen: how often a busy capture stops to answer scrapes. */
#define HTTP_SERVICE_S		0.02
/* -C: how often the size of the -w file is looked at, in packets. */
#define ROTATE_CHECK_PACKETS	64

struct options {
	const char *read_file;
	const char *iface;		/* -i: live capture */
	int snaplen;
	int buffer_kib;
	const char *write_file;		/* -w */
	long long rotate_bytes;		/* -C, in bytes; 0: no limit */
	double rotate_seconds;		/* -G; 0: no limit */
	long long rotate_files;		/* -W; 0: keep every file */
	const char *user;		/* -Z */
	double duration;		/* seconds; 0: until stopped */
	double interval;		/* seconds; 0: no status line */
	long long count;		/* 0: no limit */
	bool json;
	const char *ndjson_path;	/* --ndjson: the connection log */
	bool ndjson_summary;
	bool log_takes_stdout;		/* --ndjson - with the text report: no report */
	bool all_connections;		/* --json: every connection, not examples */
	const char *out_path;
	const char *html_path;		/* --html */
	bool ladder;
	uint64_t ladder_id;		/* 0: the examples of each kind */
	size_t max_flows;
	struct hsa_pressure_config pressure;
	const char *metrics_listen;	/* --metrics-listen ADDR:PORT */
	const char *metrics_file;	/* --metrics-file FILE */
	char *filter;
};

/* What the tracker's callbacks need. */
struct run_ctx {
	struct hsa_summary summary;
	bool json_all;			/* --json --all-connections */
	struct hsa_examples examples;	/* the connections reports show in full */
	bool nano;
	bool out_of_memory;
	struct hsa_ladder *ladder;
	struct hsa_metrics metrics;
	/* What a scrape reads (live only). */
	const struct options *opt;
	struct hsa_capture *cap;
	struct hsa_tracker *tracker;
	struct hsa_pressure *pressure;	/* the analysis stage */
	struct hsa_kernel_state kernel;	/* live: the kernel's view */
	const struct hsa_findings *findings;	/* what the metrics show */
	struct hsa_findings live_findings;	/* live: as things stand */
	bool final;			/* the capture ended: findings are final */
	double start_time;
	struct hsa_ndjson *ndjson;
	bool ndjson_summary_wanted;
	/* Reading a file: the handoff to the worker thread, or NULL (all on
	 * one). */
	struct hsa_handoff *handoff;
	/* The outputs written while the capture is read. */
	const struct hsa_output *report_out;
	const struct hsa_output *log_out;
	/* What every report says of the run. */
	int argc;
	char **argv;
	int64_t started_ns;
	char host[256];
	bool have_host;
};

/* The connection log is handed to its reader at least this often (and at
 * least every --interval) during a live capture or while reading a pipe. */
#define NDJSON_FLUSH_SECONDS 1.0

static const char *progname = "hsanalyze";
static int64_t wall_ns(void);

static void usage(FILE *out)
{
	fprintf(out,
	    "Usage: %s -r FILE [options] [filter expression]\n"
	    "       %s -i INTERFACE [options] [filter expression]\n"
	    "Explain the TCP connections in a capture: 3-way handshake, SYN RTT,\n"
	    "teardown, and which side enters TIME_WAIT.\n"
	    "\n"
	    "  -r FILE            read a pcap or pcapng file; - for standard input\n"
	    "  -i INTERFACE       capture live (lo, any, eth0, ...) until SIGINT or\n"
	    "                     SIGTERM, -c or --duration\n"
	    "  -c COUNT           stop after COUNT packets\n"
	    "      --duration S   stop a live capture after S seconds\n"
	    "      --interval S   live: a status line on stderr every S seconds\n"
	    "      --metrics-listen [ADDR:]PORT  live: serve Prometheus metrics at\n"
	    "                     http://ADDR:PORT/metrics (ADDR 127.0.0.1 if not given)\n"
	    "      --metrics-file FILE  live: write the metrics to FILE, atomically,\n"
	    "                     every --interval (node_exporter's textfile collector)\n"
	    "  -s SNAPLEN         live: bytes kept per packet (default %d)\n"
	    "  -B KIB             live: kernel buffer size in KiB (default %d)\n"
	    "  -w FILE            also save the packets read to FILE (pcap)\n"
	    "  -C MB, -G S        live: start a new -w file (FILE, FILE1, FILE2, ...)\n"
	    "                     past MB million bytes, or every S seconds (FILE is\n"
	    "                     then a strftime pattern), named as by tcpdump\n"
	    "  -W N               with -C: N names, FILE0 to FILE(N-1), reused in\n"
	    "                     turn; with -G alone: stop after N files\n"
	    "  -Z USER            live: run as USER once the interface is open\n"
	    "      --json         write the JSON report (doc/json-report.md)\n"
	    "      --all-connections  with --json: every connection, not examples\n"
	    "      --ndjson FILE  also log each connection as one JSON line to FILE\n"
	    "                     (appended to; - for standard output)\n"
	    "      --ndjson-summary  end the log with a summary line\n"
	    "  -o FILE            write the report to FILE, atomically\n"
	    "      --html FILE    also write the report as one HTML page, atomically\n"
	    "      --ladder [ID]  draw connection ID as a sequence diagram, or\n"
	    "                     the JSON report's examples of each kind without ID\n"
	    "      --max-flows N  track at most N connections at once (default %d)\n"
	    "      --time-wait S  how long TIME-WAIT holds a 4-tuple (default 60, Linux)\n"
	    "      --port-range LO-HI  the connecting side's ephemeral ports\n"
	    "                     (default 32768-60999, Linux)\n"
	    "      --close-wait S  a FIN unanswered this long is CLOSE-WAIT (default 10)\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n"
	    "\n"
	    "The filter expression is a BPF expression, as for tcpdump:\n"
	    "  %s -r trace.pcap tcp port 8080\n"
	    "Exit status: 0 success, 1 capture or output problem, 2 usage error.\n"
	    "See hsanalyze(1).  Report bugs to <%s>.\n", progname, progname,
	    DEFAULT_SNAPLEN, DEFAULT_BUFFER_KIB, HSA_DEFAULT_MAX_FLOWS, progname,
	    PACKAGE_BUGREPORT);
}

/* A usage error: one line naming the problem and where to look. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s --help')\n", progname);
	return EXIT_USAGE;
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A whole decimal number in [min, max], or -1. */
static int parse_number(const char *s, long long min, long long max,
    long long *out)
{
	char *end;
	long long v;

	/* Digits only: strtoll alone would also take blanks and signs. */
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Does an output name mean standard output? */
static bool names_stdout(const char *name)
{
	return !strcmp(name, "-") || !strcmp(name, "/dev/stdout") ||
	    !strcmp(name, "/dev/fd/1") || !strcmp(name, "/proc/self/fd/1");
}

/* The words after the options, joined with spaces, as tcpdump does. */
static char *join_words(char **words, int n)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	if (!(s = calloc(1, len)))
		return NULL;
	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

enum { OPT_JSON = 256, OPT_LADDER, OPT_MAX_FLOWS, OPT_DURATION, OPT_INTERVAL,
	OPT_TIME_WAIT, OPT_PORT_RANGE, OPT_CLOSE_WAIT, OPT_HTML, OPT_METRICS_LISTEN,
	OPT_METRICS_FILE, OPT_NDJSON, OPT_NDJSON_SUMMARY, OPT_ALL_CONNECTIONS };

/* Linux's ephemeral port range, when it can be read. */
static void read_local_port_range(struct hsa_pressure_config *pc)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo, hi;

	if (!f)
		return;
	if (fscanf(f, "%u %u", &lo, &hi) == 2 && lo >= 1 && lo <= hi && hi <= 65535) {
		pc->port_low = (uint16_t)lo;
		pc->port_high = (uint16_t)hi;
		pc->port_range_source = HSA_RANGE_MACHINE;
	}
	fclose(f);
}

/* LO-HI, 1 <= LO <= HI <= 65535; -1 when not. */
static int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	char first[8];
	long long a, b;

	if (!dash || (size_t)(dash - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (parse_number(first, 1, 65535, &a) != 0 ||
	    parse_number(dash + 1, 1, 65535, &b) != 0 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* The accepted ranges of the options given in seconds.  Beyond them a value
 * means nothing useful, and times computed from it could overflow. */
#define MIN_SECONDS		0.001		/* a millisecond */
#define MAX_STATE_SECONDS	86400.0		/* --time-wait, --close-wait: a day */
#define MAX_INTERVAL_SECONDS	86400.0		/* --interval: a day */
#define MAX_DURATION_SECONDS	31536000.0	/* --duration: a year */

/* Seconds from MIN_SECONDS to max, with an optional fraction; -1 when not. */
static int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= MIN_SECONDS) || !(v <= max))
		return -1;
	*out = v;
	return 0;
}

/* Returns -1 to go on, or an exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "ladder", optional_argument, NULL, OPT_LADDER },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "time-wait", required_argument, NULL, OPT_TIME_WAIT },
		{ "port-range", required_argument, NULL, OPT_PORT_RANGE },
		{ "close-wait", required_argument, NULL, OPT_CLOSE_WAIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
		{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
		{ "ndjson", required_argument, NULL, OPT_NDJSON },
		{ "ndjson-summary", no_argument, NULL, OPT_NDJSON_SUMMARY },
		{ "all-connections", no_argument, NULL, OPT_ALL_CONNECTIONS },
		{ NULL, 0, NULL, 0 }
	};
	long long v;
	double secs;
	int c;

	memset(o, 0, sizeof(*o));
	o->max_flows = HSA_DEFAULT_MAX_FLOWS;
	o->snaplen = DEFAULT_SNAPLEN;
	o->buffer_kib = DEFAULT_BUFFER_KIB;
	o->pressure.time_wait_ns = HSA_DEFAULT_TIME_WAIT_NS;
	o->pressure.port_low = HSA_DEFAULT_PORT_LOW;
	o->pressure.port_high = HSA_DEFAULT_PORT_HIGH;
	o->pressure.close_wait_ns = HSA_DEFAULT_CLOSE_WAIT_NS;
	o->pressure.port_range_source = HSA_RANGE_DEFAULT;
	o->pressure.tw_reuse = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:i:c:o:s:B:w:C:G:W:Z:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->read_file = optarg;
			break;
		case 'i':
			o->iface = optarg;
			break;
		case 's':
			/* 0 means the largest, as for tcpdump. */
			if (parse_number(optarg, 0, 262144, &v) != 0)
				return usage_error("-s needs a snapshot length from 0 to 262144, not '%s'", optarg);
			o->snaplen = v ? (int)v : 262144;
			break;
		case 'B':
			if (parse_number(optarg, 1, 4194304, &v) != 0)
				return usage_error("-B needs a buffer size in KiB from 1 to 4194304, not '%s'", optarg);
			o->buffer_kib = (int)v;
			break;
		case 'w':
			if (!*optarg)
				return usage_error("-w needs a file name");
			o->write_file = optarg;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'C':
			if (parse_number(optarg, 1, 1000000, &v) != 0)
				return usage_error("-C needs a size in millions of bytes from 1 to 1000000, not '%s'", optarg);
			o->rotate_bytes = v * 1000000;
			break;
		case 'G':
			if (parse_seconds(optarg, MAX_INTERVAL_SECONDS, &o->rotate_seconds) != 0)
				return usage_error("-G needs a number of seconds from 0.001 to 86400, not '%s'", optarg);
			break;
		case 'W':
			if (parse_number(optarg, 1, 1000000, &v) != 0)
				return usage_error("-W needs a number of files from 1 to 1000000, not '%s'", optarg);
			o->rotate_files = v;
			break;
		case OPT_DURATION:
			if (parse_seconds(optarg, MAX_DURATION_SECONDS, &o->duration) != 0)
				return usage_error("--duration needs seconds from %g to %.0f, not '%s'",
				    MIN_SECONDS, MAX_DURATION_SECONDS, optarg);
			break;
		case OPT_INTERVAL:
			if (parse_seconds(optarg, MAX_INTERVAL_SECONDS, &o->interval) != 0)
				return usage_error("--interval needs seconds from %g to %.0f, not '%s'",
				    MIN_SECONDS, MAX_INTERVAL_SECONDS, optarg);
			break;
		case OPT_TIME_WAIT:
			if (parse_seconds(optarg, MAX_STATE_SECONDS, &secs) != 0)
				return usage_error("--time-wait needs seconds from %g to %.0f, not '%s'",
				    MIN_SECONDS, MAX_STATE_SECONDS, optarg);
			o->pressure.time_wait_ns = (int64_t)(secs * 1e9 + 0.5);
			break;
		case OPT_CLOSE_WAIT:
			if (parse_seconds(optarg, MAX_STATE_SECONDS, &secs) != 0)
				return usage_error("--close-wait needs seconds from %g to %.0f, not '%s'",
				    MIN_SECONDS, MAX_STATE_SECONDS, optarg);
			o->pressure.close_wait_ns = (int64_t)(secs * 1e9 + 0.5);
			break;
		case OPT_PORT_RANGE:
			if (parse_port_range(optarg, &o->pressure.port_low, &o->pressure.port_high) != 0)
				return usage_error("--port-range needs LOW-HIGH with 1 <= LOW <= HIGH <= 65535, not '%s'", optarg);
			o->pressure.port_range_source = HSA_RANGE_OPTION;
			break;
		case OPT_METRICS_LISTEN:
			o->metrics_listen = optarg;
			break;
		case OPT_METRICS_FILE:
			if (!*optarg)
				return usage_error("--metrics-file needs a file name");
			o->metrics_file = optarg;
			break;
		case 'c':
			if (parse_number(optarg, 1, LLONG_MAX, &v) != 0)
				return usage_error("-c needs a positive whole number, not '%s'", optarg);
			o->count = v;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("-o needs a file name");
			o->out_path = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_HTML:
			if (!*optarg)
				return usage_error("--html needs a file name");
			o->html_path = optarg;
			break;
		case OPT_NDJSON:
			if (!*optarg)
				return usage_error("--ndjson needs a file name, or - for standard output");
			o->ndjson_path = optarg;
			break;
		case OPT_NDJSON_SUMMARY:
			o->ndjson_summary = true;
			break;
		case OPT_ALL_CONNECTIONS:
			o->all_connections = true;
			break;
		case OPT_LADDER:
			o->ladder = true;
			if (!optarg && all_digits(argv[optind]))
				optarg = argv[optind++];
			if (optarg) {
				if (parse_number(optarg, 1, LLONG_MAX, &v) != 0)
					return usage_error("--ladder takes a connection id (1, 2, ...), not '%s'", optarg);
				o->ladder_id = (uint64_t)v;
			}
			break;
		case OPT_MAX_FLOWS:
			if (parse_number(optarg, 2, HSA_MAX_FLOWS_LIMIT, &v) != 0)
				return usage_error("--max-flows needs a number from 2 to %d, not '%s'",
				    HSA_MAX_FLOWS_LIMIT, optarg);
			o->max_flows = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			printf("%s\n", pcap_lib_version());
			return EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!o->read_file && !o->iface)
		return usage_error("nothing to read: give a capture with -r FILE or an interface with -i");
	if (o->read_file && o->iface)
		return usage_error("-r and -i both given: read a file or capture live, not both");
	if (o->read_file && (o->duration || o->interval || o->user))
		return usage_error("--duration, --interval and -Z are for live capture (-i)");
	if (o->read_file && (o->metrics_listen || o->metrics_file))
		return usage_error("--metrics-listen and --metrics-file are for live capture (-i)");
	if ((o->rotate_bytes || o->rotate_seconds) && (!o->write_file || !o->iface))
		return usage_error("-C and -G start new -w files during a live capture: give -i and -w");
	if (o->rotate_files && !o->rotate_bytes && !o->rotate_seconds)
		return usage_error("-W counts the files of -C or -G: give one of them");
	if (o->metrics_file && !o->interval)
		return usage_error("--metrics-file is written every --interval: give one");
	/* Live, the connecting side is usually this machine: use its range. */
	/* The HTML report charts each group's TIME-WAIT over time. */
	o->pressure.series = o->html_path != NULL;
	if (o->iface && o->pressure.port_range_source == HSA_RANGE_DEFAULT)
		read_local_port_range(&o->pressure);
	if (o->json && o->ladder)
		return usage_error("--json and --ladder are different reports; choose one");
	if (o->html_path && names_stdout(o->html_path) &&
	    (!o->out_path || names_stdout(o->out_path)))
		return usage_error("--html %s and the report would both go to standard output: give the report a file with -o",
		    o->html_path);
	if (o->write_file && names_stdout(o->write_file) &&
	    (!o->out_path || names_stdout(o->out_path)))
		return usage_error("-w %s and the report would both go to standard output: give the report a file with -o",
		    o->write_file);
	if (o->all_connections && !o->json)
		return usage_error("--all-connections is for the JSON report (--json)");
	if (o->ndjson_summary && !o->ndjson_path)
		return usage_error("--ndjson-summary needs --ndjson FILE");
	/* Standard output carries one thing: the log, or the report. */
	if (o->ndjson_path && names_stdout(o->ndjson_path) &&
	    (!o->out_path || names_stdout(o->out_path)) && (o->json || o->ladder))
		return usage_error("--ndjson %s writes the log to standard output; give the report a file with -o",
		    o->ndjson_path);
	o->log_takes_stdout = o->ndjson_path && names_stdout(o->ndjson_path) &&
	    (!o->out_path || names_stdout(o->out_path));
	if (optind < argc) {
		o->filter = join_words(argv + optind, argc - optind);
		if (!o->filter) {
			fail("out of memory");
			return EXIT_FAIL;
		}
	}
	return -1;
}

/* The analysis and the reports of one connection the tracker reported,
 * with the tracker's capture time then: on the tracker's thread, or on the
 * worker thread (hsa_handoff.h).  Returns what the bounded report took
 * it as an example of. */
static uint32_t analyse_connection(struct run_ctx *r, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now)
{
	uint32_t kinds;

	hsa_summary_add(&r->summary, c, v);
	hsa_metrics_connection(&r->metrics, v);
	/* A loss here is counted by the model and shown in the report. */
	(void)hsa_pressure_connection(r->pressure, c, v, now);
	kinds = hsa_examples_add(&r->examples, c, v);
	if (r->json_all && hsa_json_connection(c, v, r->nano) != 0)
		r->out_of_memory = true;
	if (r->ndjson && hsa_ndjson_connection(r->ndjson, c, v) != 0)
		r->out_of_memory = true;
	return kinds;
}

static void analyse_progress(void *ctx, int64_t horizon)
{
	struct run_ctx *r = ctx;

	hsa_pressure_progress(r->pressure, horizon);
}

/* The tracker's sink. */
static void on_connection(void *ctx, struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	struct run_ctx *r = ctx;
	int64_t now = hsa_tracker_capture_time(r->tracker);
	uint32_t kinds;

	if (r->handoff) {
		hsa_handoff_connection(r->handoff, c, v, now);
		return;
	}
	kinds = analyse_connection(r, c, v, now);
	/* The ladder and the HTML report draw the bounded report's examples. */
	if (r->ladder) {
		hsa_ladder_connection(r->ladder, c, v, kinds);
		if (kinds && hsa_examples_drawn_full(&r->examples))
			hsa_ladder_enough(r->ladder);
	}
}

static void on_progress(void *ctx, int64_t horizon)
{
	struct run_ctx *r = ctx;

	if (r->handoff)
		hsa_handoff_progress(r->handoff, horizon);
	else
		analyse_progress(r, horizon);
}

/* The worker thread's side of the handoff. */
static void prefetch_connection(void *ctx, const struct hsa_conn *c)
{
	const struct run_ctx *r = ctx;

	hsa_pressure_prefetch(r->pressure, c);
}

static void analysed_connection(void *ctx, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now)
{
	(void)analyse_connection(ctx, c, v, now);
}

/* An output written while the capture is read has failed: a report nobody
 * will receive is not worth finishing.  Read on the thread that writes
 * them (the worker thread, when there is one). */
static bool outputs_lost(const struct run_ctx *r)
{
	return hsa_output_failed(r->report_out) || hsa_output_failed(r->log_out);
}

/* After each batch the worker thread analysed: the log handed to its reader
 * when asked, and whether the outputs it writes still work. */
static bool analysed_batch(void *ctx, bool flush)
{
	struct run_ctx *r = ctx;

	if (flush && r->ndjson)
		hsa_ndjson_flush(r->ndjson);
	return !outputs_lost(r);
}

static void prepare_segment(void *ctx, struct hsa_packet *p)
{
	hsa_tracker_hash(ctx, p);
}

static void on_segment(void *ctx, struct hsa_conn *c,
    const struct hsa_packet *p, enum hsa_segment_role role)
{
	struct run_ctx *r = ctx;

	hsa_ladder_segment(r->ladder, c, p, role);
}

/* Signals.  During a live capture the first SIGINT or SIGTERM stops the
 * capture and the report is written; a second SIGINT exits at once.  While a
 * file is read, SIGINT or SIGTERM exits at once.  Exiting at once removes
 * every temporary output file first, so the outputs stay as they were; once
 * the outputs are committed, signals change nothing any more. */
static struct hsa_capture *live_capture;
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t outputs_committed;

static void on_signal(int sig)
{
	if (outputs_committed)
		return;
	if (live_capture && !(sig == SIGINT && stop_requested)) {
		stop_requested = 1;
		hsa_capture_break(live_capture);
		return;
	}
	hsa_output_remove_pending();
	_exit(EXIT_SIGNAL_BASE + sig);
}

/* SIGHUP during a live capture: say how things stand (the --interval line,
 * and the metrics file if there is one) without stopping.  Without this a
 * SIGHUP would end the capture with no report at all. */
static volatile sig_atomic_t status_requested;

static void on_hup(int sig)
{
	(void)sig;
	status_requested = 1;
}

static void catch_hup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: wake the reader */
	sigaction(SIGTERM, &sa, NULL);
}

/* The wall clock, for the report's started_at. */
static int64_t wall_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --interval: one line of how things stand, on standard error. */
static void print_status(struct hsa_capture *cap, struct hsa_tracker *t,
    const struct hsa_pressure *pr, const struct hsa_kernel_state *k,
    double elapsed, uint64_t *last_handshakes, double *last_time)
{
	const struct hsa_tracker_stats *st = hsa_tracker_stats(t);
	struct hsa_pressure_status ps;
	unsigned long long drops = 0, ifdrops = 0;
	double dt = elapsed - *last_time;
	char ports[96] = "", kern[160] = "";

	hsa_capture_stats_live(cap, &drops, &ifdrops);
	hsa_pressure_status(pr, &ps);
	if (k && k->available && k->ngroups && k->groups[0].connecting && k->sysctls_read) {
		uint32_t size = (uint32_t)k->port_high - k->port_low + 1;

		snprintf(kern, sizeof(kern), ", kernel TIME_WAIT %llu (%u to one destination, %.1f%% of %u-%u%s)",
		    (unsigned long long)k->time_wait, k->groups[0].count,
		    100.0 * k->groups[0].count / size, k->port_low, k->port_high,
		    k->groups[0].count >= size ? ": range full" : "");
	} else if (k && k->available)
		snprintf(kern, sizeof(kern), ", kernel TIME_WAIT %llu",
		    (unsigned long long)k->time_wait);
	if (ps.full)
		snprintf(ports, sizeof(ports), " (%llu to one destination: range full)",
		    (unsigned long long)ps.busiest);
	else if (ps.busiest && ps.tte_valid)
		snprintf(ports, sizeof(ports), " (%llu to one destination, %.1f%% of the range, full in %.0f s)",
		    (unsigned long long)ps.busiest, ps.busiest_share * 100, ps.tte_s);
	else if (ps.busiest)
		snprintf(ports, sizeof(ports), " (%llu to one destination, %.1f%% of the range)",
		    (unsigned long long)ps.busiest, ps.busiest_share * 100);
	fprintf(stderr, "%s: %.0fs packets %llu, open %zu, handshakes/s %.1f, "
	    "TIME_WAIT entered client %llu server %llu both %llu, "
	    "in TIME_WAIT now client %llu%s server %llu, "
	    "peak port share %.1f%%%s, drops %llu\n",
	    progname, elapsed, (unsigned long long)cap->stats.packets,
	    hsa_tracker_open_flows(t),
	    dt > 0 ? (double)(st->handshakes - *last_handshakes) / dt : 0.0,
	    (unsigned long long)st->time_wait_entered[HSA_WHO_CLIENT],
	    (unsigned long long)st->time_wait_entered[HSA_WHO_SERVER],
	    (unsigned long long)st->time_wait_entered[HSA_WHO_BOTH],
	    (unsigned long long)ps.active[HSA_CLIENT], ports,
	    (unsigned long long)ps.active[HSA_SERVER],
	    ps.peak_share * 100, kern, drops + ifdrops);
	*last_handshakes = st->handshakes;
	*last_time = elapsed;
}

/* The metrics as they stand, for a scrape or the metrics file. */
static int write_metrics(struct run_ctx *r, FILE *out, enum hsa_expo_format f)
{
	struct hsa_metrics_view v = { 0 };
	unsigned long long drops = 0, ifdrops = 0;

	v.interface = r->opt->iface;
	v.start_time = r->start_time;
	v.packets = r->cap->stats.packets;
	v.drops_valid = hsa_capture_stats_live(r->cap, &drops, &ifdrops) == 0;
	v.kernel_drops = drops;
	v.interface_drops = ifdrops;
	v.tracker = hsa_tracker_stats(r->tracker);
	v.open_flows = hsa_tracker_open_flows(r->tracker);
	v.max_flows = r->opt->max_flows;
	v.pressure = r->pressure;
	v.findings = r->findings;
	v.kernel = &r->kernel;
	return hsa_metrics_render(out, f, &r->metrics, &v);
}

/* What the tracker could not follow whole, for the findings. */
static struct hsa_tracking_losses tracking_losses(const struct hsa_tracker *t,
    size_t max_flows)
{
	struct hsa_tracking_losses l;

	l.dropped_out_of_memory = hsa_tracker_stats(t)->alloc_failures;
	l.evicted = hsa_tracker_stats(t)->evicted;
	l.max_flows = max_flows;
	return l;
}

/* Live: the findings drawn from the analysis as it stands now (every
 * --interval, every scrape), for the metrics to show.  Out of memory, no
 * findings are shown until the next try. */
static void live_findings(struct run_ctx *r)
{
	struct hsa_tracking_losses lost = tracking_losses(r->tracker,
	    r->opt->max_flows);

	hsa_findings_free(&r->live_findings);
	r->findings = NULL;
	if (hsa_pressure_snapshot(r->pressure) == 0 &&
	    hsa_findings_compose(&r->live_findings, r->pressure, &lost,
	    &r->kernel) == 0)
		r->findings = &r->live_findings;
	else
		hsa_findings_free(&r->live_findings);
}

/* --metrics-listen: the answer to GET /metrics. */
static int render_metrics(void *ctx, const char *accept, FILE *body,
    const char **content_type)
{
	enum hsa_expo_format f = hsa_expo_negotiate(accept);
	struct run_ctx *r = ctx;

	/* Count up to now, as --interval does; the capture's end composes
	 * the final findings itself. */
	if (!r->final) {
		hsa_tracker_idle(r->tracker, wall_ns());
		live_findings(r);
	}
	*content_type = hsa_expo_content_type(f);
	return write_metrics(ctx, body, f);
}

/* --metrics-file: replaced atomically, in the text format node_exporter
 * reads.  A failure is said once per change of error, and the run goes on:
 * the next interval tries again. */
static void write_metrics_file(struct run_ctx *r)
{
	static char last_err[PCAP_ERRBUF_SIZE];
	struct hsa_output out;
	char err[PCAP_ERRBUF_SIZE] = "";

	if (hsa_output_open(&out, r->opt->metrics_file, err, sizeof(err)) == 0) {
		if (write_metrics(r, out.fp, HSA_EXPO_PROMETHEUS) != 0) {
			snprintf(err, sizeof(err), "write error");
			hsa_output_abort(&out);
		} else
			hsa_output_commit(&out, err, sizeof(err));
	}
	if (*err && strcmp(err, last_err))
		fail("%s: cannot write the metrics: %s", r->opt->metrics_file, err);
	snprintf(last_err, sizeof(last_err), "%s", err);
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Live, at each --interval: read the kernel's table again, and let the
 * analysis count up to now even when no packet came (a full range sends
 * no SYNs). */
static void live_tick(struct run_ctx *r)
{
	(void)hsa_kernel_read(&r->kernel);	/* a failure is its note */
	hsa_tracker_idle(r->tracker, wall_ns());
	live_findings(r);
}

/* Would the capture's filter (prog, compiled for Ethernet) see the
 * sockets of kernel group g?  Tried on an ACK from the group's local
 * address (its first ephemeral port) to its remote address and port. */
static bool kernel_group_captured(void *ctx, const struct hsa_kernel_tw_group *g)
{
	const struct bpf_program *prog = ctx;
	uint8_t f[14 + 40 + 20];
	struct pcap_pkthdr h;
	size_t ip = 14, tcp;

	memset(f, 0, sizeof(f));
	memset(&h, 0, sizeof(h));
	if (g->ip_version == 6) {
		f[12] = 0x86, f[13] = 0xdd;
		f[ip] = 0x60;
		f[ip + 5] = 20;		/* payload length */
		f[ip + 6] = 6;		/* TCP */
		f[ip + 7] = 64;
		memcpy(f + ip + 8, g->local.bytes, 16);
		memcpy(f + ip + 24, g->remote.bytes, 16);
		tcp = ip + 40;
	} else {
		f[12] = 0x08;
		f[ip] = 0x45;
		f[ip + 3] = 40;		/* total length */
		f[ip + 8] = 64;
		f[ip + 9] = 6;
		memcpy(f + ip + 12, g->local.bytes, 4);
		memcpy(f + ip + 16, g->remote.bytes, 4);
		tcp = ip + 20;
	}
	f[tcp] = (uint8_t)(40000 >> 8);	/* any ephemeral port */
	f[tcp + 1] = (uint8_t)(40000 & 0xff);
	f[tcp + 2] = (uint8_t)(g->remote_port >> 8);
	f[tcp + 3] = (uint8_t)g->remote_port;
	f[tcp + 12] = 0x50;
	f[tcp + 13] = 0x10;		/* ACK */
	h.caplen = h.len = (bpf_u_int32)(tcp + 20);
	return pcap_offline_filter(prog, &h, f) != 0;
}

/* What a report says of the run as things stand: the counts, the analysis
 * (its groups built by the caller), findings f, the examples cited for
 * them; 0, or -1 when out of memory for the citing. */
static int fill_run(struct hsa_run *run, struct run_ctx *rc,
    const struct hsa_findings *f)
{
	const struct options *opt = rc->opt;

	run->cap = rc->cap;
	run->tracker = hsa_tracker_stats(rc->tracker);
	run->summary = &rc->summary;
	run->pressure = rc->pressure;
	run->findings = f;
	run->kernel = rc->cap->live ? &rc->kernel : NULL;
	run->filter = opt->filter;
	run->max_flows = opt->max_flows;
	run->argc = rc->argc;
	run->argv = rc->argv;
	run->started_ns = rc->started_ns;
	run->host = rc->have_host ? rc->host : NULL;
	run->examples = &rc->examples;
	return hsa_examples_cite(&rc->examples, rc->pressure, f->list, f->n);
}

/* One interim report file: name written by write (0 or -1) atomically.
 * A failure is said once per change of error; the capture goes on. */
static void write_interim_file(const char *name, const char *what,
    int (*write)(FILE *out, struct hsa_run *run, struct run_ctx *rc),
    struct hsa_run *run, struct run_ctx *rc, char *last_err, size_t errlen)
{
	struct hsa_output out;
	char err[PCAP_ERRBUF_SIZE] = "";

	if (hsa_output_open(&out, name, err, sizeof(err)) == 0) {
		if (write(out.fp, run, rc) != 0) {
			snprintf(err, sizeof(err), "out of memory");
			hsa_output_abort(&out);
		} else
			hsa_output_commit(&out, err, sizeof(err));
	}
	if (*err && strcmp(err, last_err))
		fail("%s: cannot write the interim %s: %s", name, what, err);
	snprintf(last_err, errlen, "%s", err);
}

static int write_interim_text(FILE *out, struct hsa_run *run, struct run_ctx *rc)
{
	(void)rc;
	hsa_text_report(out, run);
	return 0;
}

static int write_interim_json(FILE *out, struct hsa_run *run, struct run_ctx *rc)
{
	(void)rc;
	return hsa_json_report(out, run);
}

static int write_interim_html(FILE *out, struct hsa_run *run, struct run_ctx *rc)
{
	return hsa_html_report(out, run, rc->ladder);
}

/* Live, on SIGHUP and at every --interval (after live_tick()): the report
 * files, -o and --html when they name regular files, written again as
 * things stand, atomically, while the capture goes on; the report at the
 * end replaces them.  A report to standard output, a descriptor or a FIFO
 * is written once, at the end, as is --ladder's. */
static void write_interim_reports(struct run_ctx *rc, struct hsa_output *report,
    struct hsa_output *html)
{
	static char report_err[PCAP_ERRBUF_SIZE], html_err[PCAP_ERRBUF_SIZE];
	const struct options *opt = rc->opt;
	bool to_report = report->kind == HSA_OUTPUT_ATOMIC && !opt->ladder &&
	    !opt->log_takes_stdout;
	bool to_html = opt->html_path && html->kind == HSA_OUTPUT_ATOMIC;
	struct hsa_run run = { 0 };
	unsigned long long drops = 0, ifdrops = 0;

	if ((!to_report && !to_html) || !rc->findings)
		return;		/* no files; or no findings: out of memory */
	if (fill_run(&run, rc, rc->findings) != 0) {
		fail("out of memory for an interim report");
		return;
	}
	run.stats_available = hsa_capture_stats_live(rc->cap, &drops, &ifdrops) == 0;
	run.kernel_drops = drops;
	run.interface_drops = ifdrops;
	run.interim = true;
	run.open_flows = hsa_tracker_open_flows(rc->tracker);
	if (to_report)
		write_interim_file(opt->out_path, "report", opt->json ?
		    write_interim_json : write_interim_text, &run, rc,
		    report_err, sizeof(report_err));
	if (to_html)
		write_interim_file(opt->html_path, "HTML report",
		    write_interim_html, &run, rc, html_err, sizeof(html_err));
}

static const char *source_name(const struct options *o)
{
	if (o->iface)
		return o->iface;
	return strcmp(o->read_file, "-") ? o->read_file : "standard input";
}

/* Open the capture and its filter; 0 or an exit status. */
static int open_capture(const struct options *opt, struct hsa_capture *cap)
{
	char err[PCAP_ERRBUF_SIZE + 128];

	if (opt->iface) {
		if (hsa_capture_open_live(cap, opt->iface, opt->snaplen,
		    opt->buffer_kib, err, sizeof(err)) != 0) {
			fail("%s: cannot capture: %s", opt->iface, err);
			return EXIT_FAIL;
		}
	} else if (hsa_capture_open_file(cap, opt->read_file, err, sizeof(err)) != 0) {
		fail("%s: %s", source_name(opt), err);
		return EXIT_FAIL;
	}
	if (!hsa_link_supported(cap->dlt)) {
		fail("%s: link type %s (%d) is not supported", source_name(opt),
		    hsa_capture_link_name(cap), cap->dlt);
		return EXIT_FAIL;
	}
	if (opt->filter && hsa_capture_set_filter(cap, opt->filter, err, sizeof(err)) != 0)
		return usage_error("bad filter expression '%s': %s", opt->filter, err);
	return 0;
}

/* Every file hsanalyze writes, opened together before anything is read,
 * committed together at the end or abandoned together. */
struct outputs {
	struct hsa_output report;	/* -o, or standard output */
	struct hsa_output packets;	/* -w */
	struct hsa_output html;		/* --html */
	char *packets_name;		/* -C/-G: this -w file's name */
	unsigned long long packets_seq;	/* -C: its number in this -G period */
	time_t packets_time;		/* -G: when this period began */
	unsigned long long periods;	/* -G: periods begun after the first */
	struct hsa_output log;		/* --ndjson */
	struct hsa_pcapng_writer writer;	/* -w's pcapng */
	struct hsa_machine machine;	/* what -w records of the machine */
	struct hsa_output *all[HSA_OUTPUT_MAX];
	const char *what[HSA_OUTPUT_MAX];	/* "the report", ... */
	size_t n;
	bool have_input;		/* -r names a file: its identity */
	dev_t input_dev;
	ino_t input_ino;
};

/* Open one output (a log: appended to, hsa_output_open_log()) and check
 * that it overwrites neither the capture being read nor another output; 0
 * or an exit status. */
static int add_any_output(struct outputs *os, struct hsa_output *o,
    const char *name, const char *what, bool log)
{
	char err[256];
	size_t i;

	if ((log ? hsa_output_open_log(o, name, err, sizeof(err)) :
	    hsa_output_open(o, name, err, sizeof(err))) != 0) {
		fail("%s: cannot write %s: %s",
		    name && strcmp(name, "-") ? name : "standard output", what, err);
		return EXIT_FAIL;
	}
	os->all[os->n] = o;
	os->what[os->n++] = what;
	if (os->have_input && hsa_output_is_file(o, os->input_dev, os->input_ino)) {
		fail("%s: is the capture being read; refusing to write %s over it",
		    hsa_output_label(o), what);
		return EXIT_FAIL;
	}
	for (i = 0; i + 1 < os->n; i++)
		if (hsa_output_same(os->all[i], o)) {
			fail("%s: would receive both %s and %s; give each its own file",
			    hsa_output_label(o), os->what[i], what);
			return EXIT_FAIL;
		}
	return 0;
}

static int add_output(struct outputs *os, struct hsa_output *o,
    const char *name, const char *what)
{
	return add_any_output(os, o, name, what, false);
}

/* -W: the digits of the largest file number, count - 1, to which every
 * number is padded with zeros so that the names sort in order (tcpdump's
 * rule: none for -W 1). */
static int packets_number_width(long long count)
{
	int w = 0;

	for (count -= 1; count > 0; count /= 10)
		w++;
	return w;
}

/* -G: FILE filled in as a strftime(3) pattern, in buf (PATH_MAX bytes);
 * false when it gives nothing or does not fit.  The pattern is the user's,
 * by design (tcpdump's -G), hence the warning put aside. */
static bool strftime_name(char *buf, const char *pattern, time_t t)
{
	struct tm tm;
	size_t n;

	if (!localtime_r(&t, &tm))
		return false;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, PATH_MAX, pattern, &tm);
#pragma GCC diagnostic pop
	return n > 0;
}

/* -C/-G: the name of the current -w file, named as tcpdump names its own:
 * with -G, FILE is a strftime(3) pattern filled with the local time the
 * period began; with -C, the number of the file in the period follows
 * (none for the first unless -W pads it: FILE, FILE1, FILE2, ..., or with
 * -W 10 FILE0 ... FILE9, with -W 100 FILE00 ... FILE99).  Allocated; NULL
 * with errno set: ENAMETOOLONG (the pattern gives nothing or too much) or
 * ENOMEM. */
static char *packets_file_name(const struct options *opt,
    const struct outputs *os)
{
	int width = packets_number_width(opt->rotate_files);
	char base[PATH_MAX], *name;
	size_t len;

	if (opt->rotate_seconds) {
		if (!strftime_name(base, opt->write_file, os->packets_time)) {
			errno = ENAMETOOLONG;
			return NULL;
		}
	} else if (snprintf(base, sizeof(base), "%s", opt->write_file) >= (int)sizeof(base)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	len = strlen(base) + 24 + (size_t)width;
	if (!(name = malloc(len)))
		return NULL;
	if (opt->rotate_bytes && (os->packets_seq || width))
		snprintf(name, len, "%s%0*llu", base, width, os->packets_seq);
	else
		snprintf(name, len, "%s", base);
	return name;
}

/* Start -w's pcapng in os->packets; 0, or -1 when the write failed. */
static int start_packets(struct hsa_capture *cap, struct outputs *os)
{
	cap->writer = &os->writer;
	/* Files are read at nanoseconds; live, as the device gives. */
	return hsa_pcapng_writer_start(&os->writer, os->packets.fp,
	    &os->machine, cap->live ? cap->nano : true, cap->nano, cap->snaplen);
}

/* -o and -w, as the -Z user when there is one (so that a file is created
 * only where that user may create it), --metrics-listen (before -Z, so that
 * a port below 1024 can be had), then -Z itself; 0 or an exit status. */
static int open_outputs(const struct options *opt, struct hsa_capture *cap,
    struct outputs *os, struct hsa_http_server *http, void *metrics_ctx)
{
	char err[PCAP_ERRBUF_SIZE + 128];
	struct stat st;
	int status = 0;

	if (opt->read_file && strcmp(opt->read_file, "-") &&
	    stat(opt->read_file, &st) == 0 && S_ISREG(st.st_mode)) {
		os->have_input = true;
		os->input_dev = st.st_dev;
		os->input_ino = st.st_ino;
	}
	if (opt->user && hsa_privileges_borrow(opt->user, err, sizeof(err)) != 0) {
		fail("%s: cannot run as this user: %s", opt->user, err);
		return EXIT_FAIL;
	}
	if (!opt->log_takes_stdout)
		status = add_output(os, &os->report, opt->out_path, "the report");
	if (!status && opt->write_file && (opt->rotate_bytes || opt->rotate_seconds)) {
		os->packets_time = time(NULL);
		if (!(os->packets_name = packets_file_name(opt, os))) {
			fail("%s: cannot name the packets file: %s", opt->write_file,
			    strerror(errno));
			status = EXIT_FAIL;
		} else
			status = add_output(os, &os->packets, os->packets_name, "the packets");
	} else if (!status && opt->write_file)
		status = add_output(os, &os->packets, opt->write_file, "the packets");
	if (!status && opt->html_path)
		status = add_output(os, &os->html, opt->html_path, "the HTML report");
	if (!status && opt->ndjson_path)
		status = add_any_output(os, &os->log, opt->ndjson_path,
		    "the connection log", true);
	if (opt->user)
		hsa_privileges_return();
	if (status)
		return status;
	if (opt->metrics_listen && hsa_http_listen(http, opt->metrics_listen,
	    render_metrics, metrics_ctx, err, sizeof(err)) != 0) {
		fail("--metrics-listen %s: %s", opt->metrics_listen, err);
		return EXIT_FAIL;
	}
	if (opt->user && hsa_drop_privileges(opt->user, err, sizeof(err)) != 0) {
		fail("%s: cannot run as this user: %s", opt->user, err);
		return EXIT_FAIL;
	}
	/* Live, -w records this machine; a replay passes on what its
	 * capture recorded (nothing when it recorded nothing). */
	if (cap->live)
		hsa_machine_read(&os->machine);
	else if (cap->ng)
		os->machine = cap->ng->machine;
	else {
		memset(&os->machine, 0, sizeof(os->machine));
		os->machine.tw_reuse = -1;
	}
	if (opt->write_file && start_packets(cap, os) != 0) {
		fail("%s: cannot write the packets: %s", opt->write_file,
		    strerror(os->packets.err ? os->packets.err : EIO));
		return EXIT_FAIL;
	}
	return 0;
}

/* The first output whose writes failed, or NULL. */
static const struct hsa_output *failed_output(const struct outputs *os,
    const char **what)
{
	size_t i;

	for (i = 0; i < os->n; i++)
		if (hsa_output_failed(os->all[i])) {
			*what = os->what[i];
			return os->all[i];
		}
	return NULL;
}

/* -w's stream stays the output layer's, which commits it. */
static void close_packets(struct hsa_capture *cap)
{
	cap->writer = NULL;
}

/* -C/-G: commit the current -w file (it appears under its name only now,
 * whole) and go on in the next one: the next number (-C; with -W, back to
 * 0 after count - 1), or a new period (-G: its time, numbers from 0 again).
 * 0, or EXIT_FAIL after saying why. */
static int next_packets_file(const struct options *opt,
    struct hsa_capture *cap, struct outputs *os, bool new_period)
{
	char err[256];
	char *name;

	close_packets(cap);
	if (hsa_output_commit(&os->packets, err, sizeof(err)) != 0) {
		fail("%s: cannot write the packets: %s", os->packets_name, err);
		return EXIT_FAIL;
	}
	if (new_period) {
		os->packets_time = time(NULL);
		os->packets_seq = 0;
		os->periods++;
	} else if (++os->packets_seq == (unsigned long long)opt->rotate_files)
		os->packets_seq = 0;
	if (!(name = packets_file_name(opt, os))) {
		fail("%s: cannot name the packets file: %s", opt->write_file,
		    strerror(errno));
		return EXIT_FAIL;
	}
	free(os->packets_name);
	os->packets_name = name;
	if (hsa_output_open(&os->packets, name, err, sizeof(err)) != 0) {
		fail("%s: cannot write the packets: %s", name, err);
		return EXIT_FAIL;
	}
	if (start_packets(cap, os) != 0) {
		fail("%s: cannot write the packets: %s", name, strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

/* -C: how many bytes the current -w file holds (its stream cannot tell:
 * the output layer's stream does not seek). */
static long long packets_file_size(struct outputs *os)
{
	struct stat st;

	if (fflush(os->packets.fp) != 0 || fstat(os->packets.fd, &st) != 0)
		return 0;
	return (long long)st.st_size;
}

/* Commit every output; 0, or EXIT_FAIL after saying which failed.
 * Everything is written out first, while a signal may still stop the run
 * with nothing in place.  The renames that put the files in place then run
 * with SIGINT and SIGTERM held back, so that a signal (a second Ctrl-C)
 * cannot exit 130, "nothing written", with some of them already in place:
 * once they are all in place, a signal held back changes nothing. */
static int commit_outputs(struct hsa_capture *cap, struct outputs *os)
{
	sigset_t stop_signals, before;
	char err[256];
	int status = 0;
	size_t i;

	close_packets(cap);
	for (i = 0; i < os->n; i++)
		(void)hsa_output_close(os->all[i]);	/* commit says why */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, &before);
	/* The report last: it is what a script waits for. */
	for (i = os->n; i-- > 0;) {
		if (status) {
			hsa_output_abort(os->all[i]);
			continue;
		}
		if (hsa_output_commit(os->all[i], err, sizeof(err)) != 0) {
			fail("%s: cannot write %s: %s",
			    hsa_output_label(os->all[i]), os->what[i], err);
			status = EXIT_FAIL;
		}
	}
	outputs_committed = 1;
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	return status;
}

static void abort_outputs(struct hsa_capture *cap, struct outputs *os)
{
	size_t i;

	close_packets(cap);
	for (i = 0; i < os->n; i++)
		hsa_output_abort(os->all[i]);
}

int main(int argc, char **argv)
{
	struct options opt;
	struct hsa_capture cap;
	static struct outputs outs;
	struct hsa_http_server http = { .fd = -1 };
	struct hsa_tracker_config tc = { 0 };
	struct hsa_tracker *tracker = NULL;
	struct hsa_reader *reader = NULL;
	struct hsa_pressure *pressure = NULL;
	struct hsa_findings findings = { 0 };
	struct hsa_tracking_losses lost;
	struct hsa_packet pkt;
	struct hsa_run run = { 0 };
	static struct run_ctx rc;
	const struct hsa_output *bad_out;
	const char *bad_what = NULL;
	double start = 0, next_status = 0, last_status = 0, next_http = 0;
	double next_rotation = 0;
	double next_flush = 0, flush_every = NDJSON_FLUSH_SECONDS;
	uint64_t last_handshakes = 0;
	FILE *out;
	int64_t started_ns;
	int status, r = 0;
	bool stopped = false;	/* live: --duration is over */

	status = parse_options(argc, argv, &opt);
	if (status >= 0)
		return status;
	started_ns = wall_clock_ns();

	memset(&cap, 0, sizeof(cap));
	cap.live_fd = -1;
	catch_signals();
	hsa_metrics_init(&rc.metrics);
	if ((status = open_capture(&opt, &cap)) != 0 ||
	    (status = open_outputs(&opt, &cap, &outs, &http, &rc)) != 0) {
		abort_outputs(&cap, &outs);
		hsa_http_close(&http);
		hsa_capture_close(&cap);
		free(opt.filter);
		return status;
	}
	out = outs.report.fp;
	rc.report_out = &outs.report;
	rc.log_out = &outs.log;
	if (opt.ndjson_path && !(rc.ndjson = hsa_ndjson_new(outs.log.fp, cap.nano))) {
		fail("out of memory");
		goto failed;
	}
	if (opt.interval > 0 && opt.interval < flush_every)
		flush_every = opt.interval;

	hsa_summary_init(&rc.summary);
	hsa_examples_init(&rc.examples);
	rc.nano = cap.nano;
	rc.ndjson_summary_wanted = opt.ndjson_summary;
	if (opt.json) {
		rc.json_all = opt.all_connections;
		if (hsa_json_begin(opt.all_connections) != 0) {
			fail("cannot make a temporary file for --all-connections: %s",
			    strerror(errno));
			goto failed;
		}
	}
	/* The HTML report draws the ladder's connections: the bounded
	 * report's examples of the drawn kinds, or --ladder ID. */
	if ((opt.ladder || opt.html_path) &&
	    !(rc.ladder = hsa_ladder_new(opt.ladder_id, cap.nano))) {
		fail("out of memory");
		goto failed;
	}
	tc.handshake_timeout_ns = HSA_DEFAULT_HANDSHAKE_TIMEOUT_NS;
	tc.idle_timeout_ns = HSA_DEFAULT_IDLE_TIMEOUT_NS;
	tc.linger_ns = HSA_DEFAULT_LINGER_NS;
	tc.history_ns = HSA_DEFAULT_HISTORY_NS;
	tc.max_flows = opt.max_flows;
	tc.sink = on_connection;
	tc.segment_hook = rc.ladder ? on_segment : NULL;
	tc.progress = on_progress;
	tc.ctx = &rc;
	/* Live, the analysis starts from what the kernel holds now: started
	 * in the middle of an incident, it sees the full range at once. */
	if (cap.live && hsa_kernel_read(&rc.kernel) == 0 &&
	    rc.kernel.sysctls_read) {
		opt.pressure.tw_reuse = rc.kernel.tw_reuse;
		if (opt.pressure.port_range_source != HSA_RANGE_OPTION) {
			opt.pressure.port_low = rc.kernel.port_low;
			opt.pressure.port_high = rc.kernel.port_high;
			opt.pressure.port_range_source = HSA_RANGE_MACHINE;
		}
	} else if (cap.ng) {
		/* A file -w wrote: the machine it was taken on. */
		const struct hsa_machine *m = &cap.ng->machine;

		if (m->tw_reuse >= 0)
			opt.pressure.tw_reuse = m->tw_reuse;
		if (m->has_range &&
		    opt.pressure.port_range_source != HSA_RANGE_OPTION) {
			opt.pressure.port_low = m->port_low;
			opt.pressure.port_high = m->port_high;
			opt.pressure.port_range_source = HSA_RANGE_CAPTURE;
		}
	}
	if (!(pressure = hsa_pressure_new(&opt.pressure))) {
		fail("out of memory");
		goto failed;
	}
	rc.pressure = pressure;
	if (cap.live && rc.kernel.available) {
		struct bpf_program prog;
		pcap_t *dead = opt.filter ? pcap_open_dead(DLT_EN10MB, 65535) : NULL;

		/* The capture's filter decides which of the kernel's sockets
		 * belong to what is analysed. */
		if (dead && pcap_compile(dead, &prog, opt.filter, 1,
		    PCAP_NETMASK_UNKNOWN) == 0) {
			hsa_pressure_kernel_start(pressure, &rc.kernel,
			    kernel_group_captured, &prog);
			pcap_freecode(&prog);
		} else if (!opt.filter)
			hsa_pressure_kernel_start(pressure, &rc.kernel, NULL, NULL);
		if (dead)
			pcap_close(dead);
	}
	if (!(tracker = hsa_tracker_new(&tc))) {
		fail("out of memory");
		goto failed;
	}
	rc.tracker = tracker;

	if (cap.live) {
		live_capture = &cap;
		fprintf(stderr, "%s: listening on %s, link type %s, snapshot length %u bytes\n",
		    progname, opt.iface, hsa_capture_link_name(&cap), cap.snaplen);
		start = now_seconds();
		next_status = opt.interval;
		next_rotation = opt.rotate_seconds;
		catch_hup();
		rc.start_time = (double)time(NULL);
	}
	rc.opt = &opt;
	rc.cap = &cap;
	rc.argc = argc;
	rc.argv = argv;
	rc.started_ns = started_ns;
	if (gethostname(rc.host, sizeof(rc.host)) == 0) {
		rc.host[sizeof(rc.host) - 1] = '\0';
		rc.have_host = true;
	}
	/* A file is read on a second thread, the worker, while this one
	 * tracks; the worker also runs the analysis and the reports (not
	 * for the ladder: it logs segments as the tracker applies them). */
	if (!cap.live) {
		const struct hsa_handoff_ops ops = {
			.connection = analysed_connection,
			.progress = analyse_progress,
			.prefetch = prefetch_connection,
			.after_batch = analysed_batch,
			.ctx = &rc,
		};

		reader = hsa_reader_start(&cap, (unsigned long long)opt.count,
		    prepare_segment, tracker, rc.ladder ? NULL : &ops);
		rc.handoff = hsa_reader_handoff(reader);
		if (reader)
			hsa_tracker_set_populate(tracker, hsa_reader_populate,
			    reader);
	}
	if (reader) {
		const struct hsa_packet *batch;
		size_t n;

		while ((batch = hsa_reader_next(reader, &n))) {
			hsa_tracker_segments(tracker, batch, n);
			if (rc.handoff ? hsa_handoff_failed(rc.handoff) :
			    outputs_lost(&rc)) {
				hsa_reader_stop(reader);
				break;
			}
			/* A pipe may be a live capture: keep the log flowing. */
			if (rc.ndjson && now_seconds() >= next_flush) {
				if (rc.handoff)
					hsa_handoff_flush(rc.handoff);
				else
					hsa_ndjson_flush(rc.ndjson);
				next_flush = now_seconds() + flush_every;
			}
		}
		hsa_reader_wait_read(reader);
		/* The outputs are looked at below, on this thread. */
		if (rc.handoff)
			hsa_handoff_drain(rc.handoff);
	}
	while (!reader && !stop_requested && (r = hsa_capture_next(&cap, &pkt)) >= 0) {
		if (r == 1) {
			hsa_tracker_hash(tracker, &pkt);
			hsa_tracker_segment(tracker, &pkt);
		}
		if (opt.count && cap.stats.packets >= (unsigned long long)opt.count)
			break;
		if (outputs_lost(&rc))
			break;
		if (status_requested) {
			status_requested = 0;
			live_tick(&rc);
			print_status(&cap, tracker, pressure, &rc.kernel,
			    now_seconds() - start, &last_handshakes, &last_status);
			if (opt.metrics_file)
				write_metrics_file(&rc);
			write_interim_reports(&rc, &outs.report, &outs.html);
		}
		/* -C: the size is looked at every ROTATE_CHECK_PACKETS; a new
		 * file once it is larger than the limit, as tcpdump's. */
		if (opt.rotate_bytes && cap.writer && r >= 0 &&
		    cap.stats.packets % ROTATE_CHECK_PACKETS == 0 &&
		    packets_file_size(&outs) > opt.rotate_bytes &&
		    next_packets_file(&opt, &cap, &outs, false) != 0)
			goto failed;
		if (cap.live && (opt.duration || opt.interval || http.fd >= 0 ||
		    opt.rotate_seconds || rc.ndjson)) {
			double elapsed = now_seconds() - start;

			if (opt.rotate_seconds && elapsed >= next_rotation) {
				/* -G -W without -C: W files, then the end (as
				 * tcpdump, which exits with 0 there). */
				if (!opt.rotate_bytes && opt.rotate_files &&
				    outs.periods + 1 >= (unsigned long long)opt.rotate_files) {
					fprintf(stderr, "%s: -W %lld: the last -w file is written; stopping\n",
					    progname, opt.rotate_files);
					break;
				}
				if (next_packets_file(&opt, &cap, &outs, true) != 0)
					goto failed;
				next_rotation += opt.rotate_seconds;
			}
			/* A quiet capture still finishes connections (the
			 * linger, timeouts): log them, then flush. */
			if (rc.ndjson && elapsed >= next_flush) {
				hsa_tracker_idle(tracker, wall_ns());
				hsa_ndjson_flush(rc.ndjson);
				next_flush = elapsed + flush_every;
			}
			/* Scrapes: whenever the capture is quiet, and at least
			 * every HTTP_SERVICE_S when it is not. */
			if (http.fd >= 0 && (r == 0 || elapsed >= next_http)) {
				hsa_http_service(&http, 0);
				next_http = elapsed + HTTP_SERVICE_S;
			}
			if (opt.interval && elapsed >= next_status) {
				live_tick(&rc);
				print_status(&cap, tracker, pressure, &rc.kernel,
				    elapsed, &last_handshakes, &last_status);
				if (opt.metrics_file)
					write_metrics_file(&rc);
				write_interim_reports(&rc, &outs.report, &outs.html);
				next_status += opt.interval;
			}
			if (opt.duration && elapsed >= opt.duration) {
				stopped = true;
				break;
			}
		}
	}
	/* Stopped by a signal or --duration: the packets still in the
	 * kernel's buffer are part of the capture. */
	if (cap.live && (stopped || stop_requested || r == -2)) {
		hsa_capture_drain_live(&cap);
		while ((r = hsa_capture_next(&cap, &pkt)) >= 0) {
			if (r == 1) {
				hsa_tracker_hash(tracker, &pkt);
				hsa_tracker_segment(tracker, &pkt);
			}
			if ((opt.count && cap.stats.packets >= (unsigned long long)opt.count) ||
			    outputs_lost(&rc))
				break;
		}
	}
	if (cap.stats.save_failed && *cap.stats.save_reason) {
		fail("%s: cannot write the packets: %s",
		    hsa_output_label(&outs.packets), cap.stats.save_reason);
		goto failed;
	}
	if ((bad_out = failed_output(&outs, &bad_what))) {
		fail("%s: cannot write %s: %s", hsa_output_label(bad_out), bad_what,
		    strerror(bad_out->err));
		goto failed;
	}
	if (cap.live)
		(void)hsa_kernel_read(&rc.kernel);	/* the kernel at the end */
	if (cap.live)
		run.stats_available = hsa_capture_stats_live(&cap,
		    &run.kernel_drops, &run.interface_drops) == 0;
	hsa_tracker_finish(tracker);
	hsa_tracker_set_populate(tracker, NULL, NULL);
	hsa_reader_finish(reader);	/* the analysis, to the last */
	reader = NULL;
	rc.handoff = NULL;
	lost = tracking_losses(tracker, opt.max_flows);
	/* Analyse: the pressure figures, then the findings drawn from them. */
	/* "Now", for the time to exhaustion, is the last packet's time; live,
	 * the time the capture stopped. */
	if (hsa_pressure_finish(pressure, cap.live ? wall_ns() :
	    cap.stats.have_ts ? cap.stats.last_ts :
	    hsa_tracker_capture_time(tracker)) != 0 ||
	    hsa_findings_compose(&findings, pressure, &lost,
	    cap.live ? &rc.kernel : NULL) != 0) {
		fail("out of memory");
		goto failed;
	}
	rc.final = true;
	hsa_findings_free(&rc.live_findings);
	rc.findings = &findings;
	if (opt.metrics_file)
		write_metrics_file(&rc);
	hsa_http_close(&http);

	if (fill_run(&run, &rc, &findings) != 0)
		rc.out_of_memory = true;
	status = EXIT_OK;
	if (opt.json) {
		if (hsa_json_end(out, &run) != 0)
			rc.out_of_memory = true;
	} else if (opt.ladder) {
		if (hsa_ladder_print(out, rc.ladder) == 0) {
			if (opt.ladder_id)
				fail("%s: no connection with id %llu (the capture has %llu)",
				    source_name(&opt), (unsigned long long)opt.ladder_id,
				    (unsigned long long)rc.summary.connections);
			else
				fail("%s: no TCP connections to draw", source_name(&opt));
			goto failed;
		}
	} else if (!opt.log_takes_stdout)	/* --ndjson - alone: only the log */
		hsa_text_report(out, &run);
	if (opt.html_path)
		hsa_html_report(outs.html.fp, &run, rc.ladder);
	if (rc.ndjson_summary_wanted && hsa_ndjson_summary(rc.ndjson, &run) != 0)
		rc.out_of_memory = true;
	if (rc.out_of_memory) {
		fail("out of memory while writing the report");
		goto failed;
	}
	if (commit_outputs(&cap, &outs) != 0)
		status = EXIT_FAIL;
	if (cap.stats.cut_short) {
		fail("%s: the capture ends inside a packet record (%s); the report covers the %llu packets before it",
		    source_name(&opt), cap.stats.cut_reason,
		    (unsigned long long)cap.stats.packets);
		status = EXIT_FAIL;
	}
	live_capture = NULL;
	hsa_tracker_free(tracker);
	hsa_pressure_free(pressure);
	hsa_kernel_free(&rc.kernel);
	hsa_findings_free(&findings);
	hsa_findings_free(&rc.live_findings);
	hsa_ladder_free(rc.ladder);
	hsa_ndjson_free(rc.ndjson);
	hsa_examples_free(&rc.examples);
	hsa_capture_close(&cap);
	free(outs.packets_name);
	free(opt.filter);
	return status;

failed:
	live_capture = NULL;
	if (tracker)
		hsa_tracker_set_populate(tracker, NULL, NULL);
	hsa_reader_finish(reader);	/* it writes no more */
	abort_outputs(&cap, &outs);
	hsa_http_close(&http);
	hsa_tracker_free(tracker);
	hsa_pressure_free(pressure);
	hsa_kernel_free(&rc.kernel);
	hsa_findings_free(&findings);
	hsa_findings_free(&rc.live_findings);
	hsa_ladder_free(rc.ladder);
	hsa_ndjson_free(rc.ndjson);
	hsa_examples_free(&rc.examples);
	hsa_capture_close(&cap);
	free(outs.packets_name);
	free(opt.filter);
	return EXIT_FAIL;
}

/*
 * report_ndjson.c - the connection log (--ndjson): one JSON object per line
 * per connection, written as each connection is reported, for log shippers
 * (Filebeat, Fluent Bit, Vector, Promtail) and jq -c.
 *
 * A line is {"type": "connection", "ts": first packet, "id", "community_id",
 * then the members of the JSON report's connection object}; the optional
 * last line is {"type": "summary", "capture": ..., "summary": ...}.  Each
 * line is built in the streaming writer's buffer, then handed to the stream
 * with its newline; a reader following the file may see the last line cut
 * between two flushes, and waits for its newline as log shippers do.
 *
 * The stream is the output layer's (hsa_output_open_log(): a file is
 * appended to, as log files are), which also checks every write.
 */
#include "config.h"

#include <stdlib.h>

#include "hsa_community_id.h"
#include "hsa_format.h"
#include "report_json.h"

/* The Community ID seed: 0 unless every tool joining the logs uses another. */
#define COMMUNITY_ID_SEED 0

struct hsa_ndjson {
	FILE *fp;
	bool nano;
	struct hsa_jw w;
};

struct hsa_ndjson *hsa_ndjson_new(FILE *fp, bool nano)
{
	struct hsa_ndjson *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->fp = fp;
	n->nano = nano;
	hsa_jw_init(&n->w);
	return n;
}

/* The most bytes of a connection line: its first members (type, ts, id,
 * community_id: 132 bytes at most), the members of the report's
 * connection object, the closing brace and the newline. */
#define LINE_MAX_BYTES (160 + HSA_JSON_CONN_MEMBERS_MAX)

int hsa_ndjson_connection(struct hsa_ndjson *n, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	struct hsa_jw *w = &n->w;
	char *p;

	hsa_jw_reset(w);
	if (!(p = hsa_jw_room(w, LINE_MAX_BYTES)))
		return -1;
	p = HSA_JW_LIT(p, "{\"type\":\"connection\",\"ts\":");
	*p++ = '"';
	p = hsa_put_time(p, c->first_ts, n->nano);
	*p++ = '"';
	p = HSA_JW_LIT(p, ",\"id\":");
	p = hsa_put_uint(p, c->id);
	p = HSA_JW_LIT(p, ",\"community_id\":\"");
	p = hsa_put_community_id(p, c->ip_version,
	    &c->ep[HSA_CLIENT].addr, c->ep[HSA_CLIENT].port,
	    &c->ep[HSA_SERVER].addr, c->ep[HSA_SERVER].port,
	    COMMUNITY_ID_SEED);
	*p++ = '"';
	p = hsa_json_put_conn_members(p, c, v, n->nano);
	p = HSA_JW_LIT(p, "}\n");
	hsa_jw_advance(w, p);
	fwrite(w->buf, 1, w->len, n->fp);
	return 0;
}

int hsa_ndjson_summary(struct hsa_ndjson *n, const struct hsa_run *run)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "type", "summary");
	cJSON_AddItemToObject(o, "capture", hsa_json_capture(run));
	cJSON_AddItemToObject(o, "summary", hsa_json_summary(run));
	text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return -1;
	fprintf(n->fp, "%s\n", text);
	free(text);
	return 0;
}

int hsa_ndjson_flush(struct hsa_ndjson *n)
{
	return fflush(n->fp) == 0 ? 0 : -1;
}

void hsa_ndjson_free(struct hsa_ndjson *n)
{
	if (!n)
		return;
	hsa_jw_free(&n->w);
	free(n);
}

/*
 * json_conn.c - a connection as the JSON report and the connection log
 * write it (doc/json-report.md, "connections"): the members after its "id".
 *
 * The object is written at a cursor (json_writer.h): its layout is fixed,
 * so the keys, commas and braces between two values are string constants,
 * and its size has a bound, so room is made once.  The log writes one per
 * connection on the tracker's thread, where every instruction counts.
 */
#include "config.h"

#include <string.h>

#include "hsa_format.h"
#include "report_json.h"

/* The names of states and verdicts, as tokens. */
#define HSA_X(name, text) [name] = HSA_JW_TOKEN(text),
static const struct hsa_jw_token state_tokens[] = { HSA_TCP_STATES(HSA_X) };
static const struct hsa_jw_token handshake_tokens[] = {
	HSA_HANDSHAKE_STATUSES(HSA_X)
};
static const struct hsa_jw_token close_tokens[] = { HSA_CLOSE_KINDS(HSA_X) };
static const struct hsa_jw_token who_tokens[] = { HSA_WHOS(HSA_X) };
#undef HSA_X

/* A time, quoted. */
static char *put_time(char *p, int64_t ts, bool nano)
{
	*p++ = '"';
	p = hsa_put_time(p, ts, nano);
	*p++ = '"';
	return p;
}

/* true or false: five bytes copied either way, the end after four when
 * true. */
static char *put_bool(char *p, bool b)
{
	memcpy(p, b ? "true" : "false", 5);
	return p + 5 - b;
}

static char *put_endpoint(char *p, uint8_t ipv, const struct hsa_endpoint *e)
{
	p = HSA_JW_LIT(p, "{\"ip\":\"");
	p = hsa_put_addr(p, ipv, &e->addr);
	p = HSA_JW_LIT(p, "\",\"port\":");
	p = hsa_put_uint(p, e->port);
	return HSA_JW_LIT(p, "}");
}

static char *put_pair(char *p, uint64_t c2s, uint64_t s2c)
{
	p = HSA_JW_LIT(p, "{\"client_to_server\":");
	p = hsa_put_uint(p, c2s);
	p = HSA_JW_LIT(p, ",\"server_to_client\":");
	p = hsa_put_uint(p, s2c);
	return HSA_JW_LIT(p, "}");
}

static char *put_options(char *p, const struct hsa_endpoint *e)
{
	if (!e->isn_seen)
		return HSA_JW_LIT(p, "null");
	p = HSA_JW_LIT(p, "{\"mss\":");
	if (e->opt.has_mss)
		p = hsa_put_uint(p, e->opt.mss);
	else
		p = HSA_JW_LIT(p, "null");
	p = HSA_JW_LIT(p, ",\"window_scale\":");
	if (e->opt.has_wscale)
		p = hsa_put_uint(p, e->opt.wscale);
	else
		p = HSA_JW_LIT(p, "null");
	p = HSA_JW_LIT(p, ",\"sack_permitted\":");
	p = put_bool(p, e->opt.sack_permitted);
	p = HSA_JW_LIT(p, ",\"timestamps\":");
	p = put_bool(p, e->opt.has_timestamps);
	if (e->opt.truncated)
		p = HSA_JW_LIT(p, ",\"truncated\":true");
	return HSA_JW_LIT(p, "}");
}

static char *put_ms_or_null(char *p, bool valid, int64_t ns)
{
	return valid ? hsa_put_ms(p, ns) : HSA_JW_LIT(p, "null");
}

static char *put_frame_or_null(char *p, uint64_t frame)
{
	return frame ? hsa_put_uint(p, frame) : HSA_JW_LIT(p, "null");
}

static char *put_frame_list(char *p, const uint64_t *frames, int n)
{
	int i;

	*p++ = '[';
	for (i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		p = hsa_put_uint(p, frames[i]);
	}
	*p++ = ']';
	return p;
}

/* The evidence: frame numbers of the segments the verdict rests on. */
static char *put_frames(char *p, const struct hsa_evidence *e)
{
	p = HSA_JW_LIT(p, "{\"syn\":");
	p = put_frame_list(p, e->syn, e->n_syn);
	p = HSA_JW_LIT(p, ",\"synack\":");
	p = put_frame_list(p, e->synack, e->n_synack);
	p = HSA_JW_LIT(p, ",\"handshake_ack\":");
	p = put_frame_or_null(p, e->handshake_ack);
	p = HSA_JW_LIT(p, ",\"first_fin\":");
	p = put_frame_or_null(p, e->first_fin);
	p = HSA_JW_LIT(p, ",\"first_fin_ack\":");
	p = put_frame_or_null(p, e->first_fin_ack);
	p = HSA_JW_LIT(p, ",\"peer_fin\":");
	p = put_frame_or_null(p, e->peer_fin);
	p = HSA_JW_LIT(p, ",\"final_ack\":");
	p = put_frame_or_null(p, e->final_ack);
	p = HSA_JW_LIT(p, ",\"rst\":");
	p = put_frame_or_null(p, e->rst);
	return HSA_JW_LIT(p, "}");
}

static char *put_handshake(char *p, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	p = HSA_JW_LIT(p, "{\"status\":");
	p = hsa_jw_put_token(p, &handshake_tokens[v->handshake]);
	p = HSA_JW_LIT(p, ",\"syn_retransmits\":");
	p = hsa_put_uint(p, c->syn_retransmits);
	p = HSA_JW_LIT(p, ",\"synack_retransmits\":");
	p = hsa_put_uint(p, c->synack_retransmits);
	p = HSA_JW_LIT(p, ",\"simultaneous_open\":");
	p = put_bool(p, c->simultaneous_open);
	p = HSA_JW_LIT(p, ",\"fast_open\":");
	p = put_bool(p, c->fast_open);
	p = HSA_JW_LIT(p, ",\"rtt_ms\":{\"syn_to_synack\":");
	p = put_ms_or_null(p, v->syn_to_synack_valid, v->syn_to_synack_ns);
	p = HSA_JW_LIT(p, ",\"synack_to_ack\":");
	p = put_ms_or_null(p, v->synack_to_ack_valid, v->synack_to_ack_ns);
	p = HSA_JW_LIT(p, ",\"total\":");
	p = put_ms_or_null(p, v->syn_to_synack_valid && v->synack_to_ack_valid,
	    v->syn_to_synack_ns + v->synack_to_ack_ns);
	return HSA_JW_LIT(p, "}}");
}

/* A side, or null for none. */
static char *put_who_or_null(char *p, enum hsa_who who)
{
	return who == HSA_WHO_NONE ? HSA_JW_LIT(p, "null") :
	    hsa_jw_put_token(p, &who_tokens[who]);
}

static char *put_close(char *p, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	p = HSA_JW_LIT(p, "{\"kind\":");
	p = hsa_jw_put_token(p, &close_tokens[v->close]);
	p = HSA_JW_LIT(p, ",\"active_closer\":");
	p = put_who_or_null(p, v->active_closer);
	p = HSA_JW_LIT(p, ",\"time_wait\":");
	p = hsa_jw_put_token(p, &who_tokens[v->time_wait]);
	p = HSA_JW_LIT(p, ",\"fin_retransmits\":");
	p = hsa_put_uint(p, c->fin_retransmits);
	p = HSA_JW_LIT(p, ",\"rst_from\":");
	if (c->rst_seen)
		p = hsa_jw_put_token(p, &who_tokens[c->rst_from == HSA_CLIENT ?
		    HSA_WHO_CLIENT : HSA_WHO_SERVER]);
	else
		p = HSA_JW_LIT(p, "null");
	p = HSA_JW_LIT(p, ",\"rsts\":{\"accepted\":");
	p = hsa_put_uint(p, c->rst_accepted);
	p = HSA_JW_LIT(p, ",\"challenged\":");
	p = hsa_put_uint(p, c->rst_challenged);
	p = HSA_JW_LIT(p, ",\"ignored\":");
	p = hsa_put_uint(p, c->rst_ignored);
	p = HSA_JW_LIT(p, "},\"time_wait_ended_by_rst\":");
	p = put_who_or_null(p, v->time_wait_ended_by_rst);
	return HSA_JW_LIT(p, "}");
}

char *hsa_json_put_conn_members(char *p, const struct hsa_conn *c,
    const struct hsa_verdict *v, bool nano)
{
	const struct hsa_endpoint *cl = &c->ep[HSA_CLIENT], *sv = &c->ep[HSA_SERVER];

	p = HSA_JW_LIT(p, ",\"client\":");
	p = put_endpoint(p, c->ip_version, cl);
	p = HSA_JW_LIT(p, ",\"server\":");
	p = put_endpoint(p, c->ip_version, sv);
	p = HSA_JW_LIT(p, ",\"roles_guessed\":");
	p = put_bool(p, c->roles_guessed);
	p = HSA_JW_LIT(p, ",\"first_packet\":");
	p = put_time(p, c->first_ts, nano);
	p = HSA_JW_LIT(p, ",\"last_packet\":");
	p = put_time(p, c->last_ts, nano);
	p = HSA_JW_LIT(p, ",\"duration_ms\":");
	p = hsa_put_ms(p, c->last_ts - c->first_ts);
	p = HSA_JW_LIT(p, ",\"packets\":");
	p = put_pair(p, cl->packets, sv->packets);
	p = HSA_JW_LIT(p, ",\"payload_bytes\":");
	p = put_pair(p, cl->bytes, sv->bytes);
	p = HSA_JW_LIT(p, ",\"exchanges\":");
	p = hsa_put_uint(p, c->exchanges);
	p = HSA_JW_LIT(p, ",\"options\":{\"client\":");
	p = put_options(p, cl);
	p = HSA_JW_LIT(p, ",\"server\":");
	p = put_options(p, sv);
	p = HSA_JW_LIT(p, "},\"handshake\":");
	p = put_handshake(p, c, v);
	p = HSA_JW_LIT(p, ",\"close\":");
	p = put_close(p, c, v);
	p = HSA_JW_LIT(p, ",\"state\":{\"client\":");
	p = hsa_jw_put_token(p, &state_tokens[v->state[HSA_CLIENT]]);
	p = HSA_JW_LIT(p, ",\"server\":");
	p = hsa_jw_put_token(p, &state_tokens[v->state[HSA_SERVER]]);
	p = HSA_JW_LIT(p, "},\"reuse\":");
	if (c->has_previous) {
		p = HSA_JW_LIT(p, "{\"previous_id\":");
		p = hsa_put_uint(p, c->previous_id);
		p = HSA_JW_LIT(p, ",\"gap_ms\":");
		p = hsa_put_ms(p, c->reuse_gap_ns);
		p = HSA_JW_LIT(p, "}");
	} else
		p = HSA_JW_LIT(p, "null");
	p = HSA_JW_LIT(p, ",\"evicted\":");
	p = put_bool(p, c->evicted);
	p = HSA_JW_LIT(p, ",\"frames\":");
	return put_frames(p, &v->evidence);
}

void hsa_json_conn_members(struct hsa_jw *w, const struct hsa_conn *c,
    const struct hsa_verdict *v, bool nano)
{
	char *p = hsa_jw_room(w, HSA_JSON_CONN_MEMBERS_MAX);

	if (p)
		hsa_jw_advance(w, hsa_json_put_conn_members(p, c, v, nano));
}


/*
 * report_json.h - the parts of the JSON report that the connection log
 * (report_ndjson.c) writes the same way: a connection's members, and the
 * capture and summary objects.  Internal to the report writers.
 */
#ifndef HSA_REPORT_JSON_H
#define HSA_REPORT_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "hsa_report.h"
#include "json_writer.h"

/* The most bytes hsa_json_put_conn_members() writes, with room to spare:
 * with every number, address and name at its longest the object is 1803
 * bytes (tests/unit/test_json_writer.c builds it). */
#define HSA_JSON_CONN_MEMBERS_MAX 3072
/* A connection object: {"id":N, the members}. */
#define HSA_JSON_CONN_MAX (HSA_JSON_CONN_MEMBERS_MAX + 32)

/* The members of a connection object after its "id" (",\"client\":" to
 * the end of "frames") at p, which has room for
 * HSA_JSON_CONN_MEMBERS_MAX bytes; returns the end. */
char *hsa_json_put_conn_members(char *p, const struct hsa_conn *c,
    const struct hsa_verdict *v, bool nano);
/* The same into an object the caller has opened and written a member of. */
void hsa_json_conn_members(struct hsa_jw *w, const struct hsa_conn *c,
    const struct hsa_verdict *v, bool nano);
/* The "capture" and "summary" objects; NULL when out of memory. */
cJSON *hsa_json_capture(const struct hsa_run *run);
cJSON *hsa_json_summary(const struct hsa_run *run);

#endif

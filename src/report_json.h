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

/* The members of a connection object after its "id" ("client" to
 * "frames"), into an object the caller has opened. */
void hsa_json_conn_members(struct hsa_jw *w, const struct hsa_conn *c,
    const struct hsa_verdict *v, bool nano);
/* The "capture" and "summary" objects; NULL when out of memory. */
cJSON *hsa_json_capture(const struct hsa_run *run);
cJSON *hsa_json_summary(const struct hsa_run *run);

#endif

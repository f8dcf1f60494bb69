#!/usr/bin/python3
"""Validate hsanalyze's JSON reports and connection logs against the JSON
Schemas in doc/ (draft 2020-12, python3-jsonschema).

usage: check_schema.py REPORT_SCHEMA LOG_SCHEMA FILE...

A FILE ending in .ndjson is a connection log: every line is validated on
its own against LOG_SCHEMA.  Any other FILE is a report, validated against
REPORT_SCHEMA, whose top-level members must also come in the order the
schema lists them (doc/json-report.md documents the same order).
Prints "ok TEXT" / "bad TEXT"; exit 0 when all are ok.
"""

import json
import sys

import jsonschema


def main():
    report_schema = json.load(open(sys.argv[1]))
    log_schema = json.load(open(sys.argv[2]))
    rv = jsonschema.Draft202012Validator(report_schema)
    lv = jsonschema.Draft202012Validator(log_schema)
    order = list(report_schema['properties'])
    bad = 0
    checked = 0
    for path in sys.argv[3:]:
        name = path.rsplit('/', 1)[-1]
        if path.endswith('.ndjson'):
            for n, line in enumerate(open(path, encoding='utf-8'), 1):
                for e in lv.iter_errors(json.loads(line)):
                    bad += 1
                    print('bad %s line %d: %s at %s' % (name, n, e.message,
                                                       list(e.path)))
                    break
                checked += 1
            continue
        doc = json.load(open(path))
        for e in rv.iter_errors(doc):
            bad += 1
            print('bad %s: %s at %s' % (name, e.message[:200], list(e.path)))
        keys = list(doc)
        if keys != [k for k in order if k in doc]:
            bad += 1
            print('bad %s: members out of order: %s' % (name, keys))
        checked += 1
    if not bad:
        print('ok %d reports and log lines valid against the schemas'
              % checked)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())

"""What check_timewait.py and compare_reports.py share: their command line,
the exit statuses, and the bookkeeping of their --self-test.

main(argv, doc, prog, self_test, run) is a checker's whole main():

    CHECKER [--ports P,P,...] FILE1 FILE2
    CHECKER --self-test

--self-test returns self_test().  Otherwise run([FILE1, FILE2], ports) (ports
a set of ints, or None without --ports) returns (problems, summary): each
problem is printed on a line of its own and the exit status is 1, or, with
no problems, the summary line is printed and the status is 0.  A bad command
line prints doc on stderr, and an input that cannot be read (OSError,
ValueError such as bad JSON, InputError) prints "PROG: why" on stderr; both
exit 2.

SelfTest(width) counts the self-test cases and prints their lines,
"self-test NAME ok" or "... FAILED", NAME padded to width.
"""

import json
import sys


class InputError(Exception):
    pass


def load_json(path):
    with open(path) as f:
        return json.load(f)


def main(argv, doc, prog, self_test, run):
    args = argv[1:]
    if args == ["--self-test"]:
        return self_test()
    ports = None
    if len(args) == 4 and args[0] == "--ports":
        try:
            ports = {int(p) for p in args[1].split(",") if p}
        except ValueError:
            print(doc, file=sys.stderr)
            return 2
        args = args[2:]
    if len(args) != 2:
        print(doc, file=sys.stderr)
        return 2
    try:
        problems, summary = run(args, ports)
    except (OSError, ValueError, InputError) as e:
        print("%s: %s" % (prog, e), file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    if problems:
        return 1
    print(summary)
    return 0


class SelfTest:
    def __init__(self, width):
        self.width = width
        self.failed = 0

    def result(self, name, ok, got=(), want=()):
        """One case; on failure the problems got and the prefixes wanted."""
        print("self-test %-*s %s" % (self.width, name, "ok" if ok else "FAILED"))
        if not ok:
            self.failed += 1
            for p in got:
                print("    got: " + p)
            for e in want:
                print("    want: " + e + "...")

    def problems(self, name, problems, expect, also=True):
        """A case that passes when also holds and the problems are exactly
        as many as expect, each prefix in expect starting one of them."""
        ok = also and len(problems) == len(expect) and all(
            any(p.startswith(e) for p in problems) for e in expect)
        self.result(name, ok, problems, expect)

    def end(self):
        """The last line; the exit status of the self-test."""
        print("self-test: %s" % ("passed" if not self.failed else "%d FAILED" % self.failed))
        return 0 if not self.failed else 1

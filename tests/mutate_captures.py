#!/usr/bin/python3
"""mutate_captures.py - hostile input for the whole pipeline, not only the
decoders (the libFuzzer target covers those): the bundled captures with
random bytes overwritten after the file header (record headers included),
run through the text, JSON and ladder reports.  Every run must end with a
documented exit status (0, or 1 for a capture cut inside a record) and,
in a sanitizer build, without a sanitizer report.  Deterministic: a fixed
seed, so a failure can be replayed.  The mutated files are all written
first, in that order; the runs then go JOBS at a time (each mostly the
program's start), and are reported in round order.

usage: mutate_captures.py HSANALYZE PCAP_DIR ROUNDS WORK_DIR
"""
import concurrent.futures
import glob
import os
import random
import subprocess
import sys

JOBS = 2	# runs at once
REPORTS = (["--json"], ["--ladder"], [])


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    hsa, pcaps, rounds, work = argv[1], argv[2], int(argv[3]), argv[4]
    rng = random.Random(20261122)
    files = sorted(f for f in glob.glob(os.path.join(pcaps, "*.pcap"))
                   if 100 < os.path.getsize(f) < 500000)
    paths = []
    for r in range(rounds):
        src = rng.choice(files)
        data = bytearray(open(src, "rb").read())
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(24, len(data))] = rng.randrange(256)
        path = os.path.join(work, "mutated-%d.pcap" % r)
        with open(path, "wb") as f:
            f.write(data)
        paths.append((src, path))

    def run(path, args):
        return subprocess.run([hsa, "-r", path] + args, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        done = [[pool.submit(run, path, args) for args in REPORTS] for _, path in paths]
        runs = problems = 0
        for r, ((src, path), futures) in enumerate(zip(paths, done)):
            failed = False
            for args, future in zip(REPORTS, futures):
                p = future.result()
                runs += 1
                err = p.stderr.decode("utf-8", "replace")
                if p.returncode not in (0, 1) or "runtime error" in err or "Sanitizer" in err:
                    problems += 1
                    failed = True
                    print("FAIL round %d (%s mutated, %s): exit %d, kept as %s\n%s" % (
                        r, os.path.basename(src), " ".join(args) or "text",
                        p.returncode, path, err[:2000]))
            if not failed:
                os.unlink(path)
    print("mutated captures: %d passed, %d failed" % (runs - problems, problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Runs a command and reports the peak of the summed resident memory of the
command and all its descendants, sampled from /proc every 10 ms.

usage: peakrss.py [-v] COMMAND [ARG...]

Prints "peak_rss_kib N" on stderr; with -v also each process's share at
that moment and its own peak ("stage cf-diff at_peak_kib N max_kib M"), and
"peak_pss_kib N": the peak of the summed proportional set sizes, which count
a page shared by several processes (the blob arena, the libraries) once in
all instead of once in each.

Per-process maxima (GNU time -v) overstate a pipeline's footprint, because the
stages do not peak at the same moment; this samples the sum instead."""
import os
import subprocess
import sys
import time


def children():
    kids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(pid))
    return kids


def status(pid):
    """(name, VmRSS in KiB) of a process, or None once it is gone."""
    name, rss = "?", 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Name:"):
                    name = line.split()[1]
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        return None
    return name, rss


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(root):
    """{pid: (name, rss)} of root and its descendants."""
    kids = children()
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        st = status(pid)
        if st:
            found[pid] = st
        todo.extend(kids.get(pid, []))
    return found


def main():
    args = sys.argv[1:]
    verbose = bool(args) and args[0] == "-v"
    if verbose:
        args = args[1:]
    if not args:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    proc = subprocess.Popen(args)
    peak, at_peak, own_max, peak_pss = 0, {}, {}, 0
    while proc.poll() is None:
        procs = tree(proc.pid)
        total = sum(rss for _, rss in procs.values())
        if verbose:
            peak_pss = max(peak_pss, sum(pss_kib(pid) for pid in procs))
        for pid, (name, rss) in procs.items():
            key = (name, pid)
            own_max[key] = max(own_max.get(key, 0), rss)
        if total > peak:
            peak, at_peak = total, procs
        time.sleep(0.01)
    print(f"peak_rss_kib {peak}", file=sys.stderr)
    if verbose:
        print(f"peak_pss_kib {peak_pss}", file=sys.stderr)
        for (name, pid), mx in sorted(own_max.items(), key=lambda kv: -kv[1]):
            now = at_peak.get(pid, (name, 0))[1]
            print(f"stage {name} at_peak_kib {now} max_kib {mx}", file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()

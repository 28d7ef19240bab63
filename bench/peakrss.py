#!/usr/bin/env python3
"""Runs a command and reports the peak of the summed resident memory of the
command and all its descendants, sampled from /proc every 10 ms.

usage: peakrss.py COMMAND [ARG...]    (prints "peak_rss_kib N" on stderr)

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


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(root):
    kids = children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss_kib(pid)
        todo.extend(kids.get(pid, []))
    return total


def main():
    proc = subprocess.Popen(sys.argv[1:])
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.01)
    print(f"peak_rss_kib {peak}", file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()

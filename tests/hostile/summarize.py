"""Summarise a HOSTILE_REPORT json: cases per command, failures with the reason and the CLI's last stderr line.

    HOSTILE_REPORT=r.json pytest tests/hostile; python tests/hostile/summarize.py r.json [--markdown]
"""

from __future__ import annotations

import collections
import json
import sys


def _last_line(runs) -> str:
    for r in reversed(runs):
        lines = [line for line in r["stderr"].splitlines() if line.strip()]
        if lines:
            return lines[-1][:200]
    return ""


def main(path: str, markdown: bool = False) -> None:
    results = json.load(open(path))
    by_cmd = collections.defaultdict(collections.Counter)
    for r in results:
        by_cmd[r["cmd"]][r["outcome"]] += 1
    print("| command | cases | passed | failed | skipped |" if markdown else "command  cases passed failed skipped")
    if markdown:
        print("|---|---|---|---|---|")
    total = collections.Counter()
    for cmd in sorted(by_cmd):
        c = by_cmd[cmd]
        n = sum(c.values())
        total.update(c)
        total["cases"] += n
        if markdown:
            print(f"| {cmd} | {n} | {c['passed']} | {c['failed']} | {c['skipped']} |")
        else:
            print(f"{cmd:8s} {n:5d} {c['passed']:6d} {c['failed']:6d} {c['skipped']:7d}")
    if markdown:
        print(f"| **all** | {total['cases']} | {total['passed']} | {total['failed']} | {total['skipped']} |")
    else:
        print(f"{'all':8s} {total['cases']:5d} {total['passed']:6d} {total['failed']:6d} {total['skipped']:7d}")
    print()
    for r in results:
        if r["outcome"] == "failed":
            rss = max((x["peak_rss_mb"] for x in r["runs"]), default=0)
            secs = sum(x["seconds"] for x in r["runs"])
            name = r["nodeid"].split("::", 1)[1]
            if markdown:
                print(f"| {r['cmd']} | `{name}` | {r['message'][:160]} | {_last_line(r['runs'])[:160]} "
                      f"| {rss} MB, {secs:.1f} s |")
            else:
                print(f"[{r['cmd']}] {name}\n    why: {r['message'][:300]}\n    cli: {_last_line(r['runs'])}\n"
                      f"    rss {rss} MB, {secs:.1f} s")


if __name__ == "__main__" and "--causes" not in sys.argv:
    main(sys.argv[1], "--markdown" in sys.argv)


def cause(r) -> str:
    """A short label for why a case failed (for grouping the failure table)."""
    msg, last = r["message"], _last_line(r["runs"])
    if msg.startswith("AssertionError: traceback"):
        return "traceback: " + last.split(":")[0][:60]
    if "killed by the harness" in msg or "peak RSS" in msg:
        return "memory: " + ("killed past the harness limit" if "killed" in msg else "peak RSS over budget")
    if "temporary files left" in msg:
        return "hidden .tmp left behind"
    if "files left behind" in msg:
        return "partial outputs left behind"
    if "training began" in msg:
        return "no preflight: trains, then fails"
    if "significant stderr lines" in msg:
        return "error printed twice / extra line"
    if "expected exactly one 'warning:'" in msg:
        return "not exactly one warning line (silent, or two)"
    if "exit status 0, expected 1" in msg:
        return "accepted (no limit / no check)"
    if "exit status -15" in msg:
        return "SIGTERM kills outright"
    if "characters long" in msg or "control or undecodable" in msg:
        return "message quotes junk / too long"
    if "does not say" in msg or "does not name" in msg:
        return "message names the wrong thing"
    if "exit status 1, expected 0" in msg:
        return "valid file refused"
    if "exit status" in msg:
        return "wrong exit status"
    return msg[:60]


def causes(path: str) -> None:
    results = json.load(open(path))
    groups = collections.defaultdict(list)
    for r in results:
        if r["outcome"] == "failed":
            groups[(r["cmd"], cause(r))].append(r)
    print("| command | cause | cases | example | what the CLI printed (last stderr line) |")
    print("|---|---|---|---|---|")
    for (cmd, why), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
        ex = rs[0]["nodeid"].split("::", 1)[1]
        print(f"| {cmd} | {why} | {len(rs)} | `{ex}` | {_last_line(rs[0]['runs'])[:110].replace('|', '/')} |")


if __name__ == "__main__" and "--causes" in sys.argv:
    causes(sys.argv[1])

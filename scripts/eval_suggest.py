"""Sanity suite for ``lutlearn suggest``: how often does a destructive look rank above leaving the photo alone?

    $ python scripts/eval_suggest.py                          # design suite: DEV_EDITS x the 24 Kodak photos
    $ python scripts/eval_suggest.py --suite heldout          # other edits x other photos (see suggest_suite.py)
    $ python scripts/eval_suggest.py --suite heldout2 --cube  # the edits baked to 33-point .cube files
    $ python scripts/eval_suggest.py --from-json out/*.json   # count `lutlearn suggest --json` outputs instead
                                                              #   (destructive looks: --destructive NAME,NAME...)

Every photo is ranked once with all candidates together: the bundled looks and
the suite's destructive edits (``scripts/suggest_edits.py``), each at strengths
0.5 and 1, plus the original ("none"), through :mod:`lutlearn.rank.suggest`.
Counted per case, a (photo, destructive edit) pair:

- ``score above``: NIMA alone (``lutlearn score``) puts the edit at full strength above the original;
- ``gain-only above``: the ranking by gain (``suggest --no-guards``) puts some strength of it above the original;
- ``suggest above``: the guarded ranking puts some strength of it above "none" (the target: at most 5 %);
- ``entries above``: the same per entry (each strength counted alone).

On the bundled looks: Kendall tau between the final order (score) and NIMA's
gain over the entries where no guard fires (per photo, then averaged), the same
over all bundled entries, how many bundled entries carry a warning, and how
many rank above the original with and without the guards. NIMA's distributions
are cached on disk (``suggest_suite.CachingScorer``), so a rerun is fast.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import suggest_suite as suite
from suggest_edits import SUITES

STRENGTHS = (0.5, 1.0)


def kendall_tau(x, y) -> float:
    """Kendall's tau-b of two equal-length sequences (nan when fewer than 2 items or no pairs).

    >>> kendall_tau([1, 2, 3], [1, 3, 2])
    0.3333333333333333
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2:
        return float("nan")
    iu = np.triu_indices(len(x), 1)
    dx, dy = np.sign(x[:, None] - x[None])[iu], np.sign(y[:, None] - y[None])[iu]
    denom = np.sqrt((dx != 0).sum() * (dy != 0).sum())
    return float((dx * dy).sum() / denom) if denom else float("nan")


def run_suite(photos, edits: dict, as_cube: bool) -> tuple[list[dict], list[str]]:
    """Rank every photo with the bundled looks and the edits: (``suggest --json`` objects, bundled look names)."""
    from lutlearn.rank.suggest import prepare, rank_prepared

    bundled = suite.bundled_candidates()
    looks = bundled + suite.edit_candidates(edits, as_cube=as_cube)
    scorer = suite.CachingScorer(suite.load_scorer(16))
    guarded = []
    t0 = time.time()
    for i, photo in enumerate(photos):
        guarded.append(rank_prepared(photo, prepare(photo, looks, STRENGTHS), scorer, looks, STRENGTHS).to_dict())
        if i % 8 == 7:
            scorer.save()
            print(f"  {i + 1}/{len(photos)} photos ({time.time() - t0:.0f} s)", file=sys.stderr)
    scorer.save()
    return guarded, [name for name, _ in bundled]


def _above_none(ranking: list[dict]) -> set:
    """(look, strength) of the entries ranked above the original."""
    names = [e["look"] for e in ranking]
    return {(e["look"], e["strength"]) for e in ranking[:names.index("none")]}


def _count_edit(row: dict, mine: list[dict], above: set) -> None:
    row["cases"] += 1
    row["score"] += any(e["gain"] > 0 for e in mine if e["strength"] == 1.0)
    row["old"] += any(e["gain"] > 0 for e in mine)
    row["new"] += any((e["look"], e["strength"]) in above for e in mine)
    row["entries"] += len(mine)
    row["entries_above"] += sum((e["look"], e["strength"]) in above for e in mine)
    for e in mine:
        for w in e["warnings"][:1]:
            key = re.sub(r"-?\d+(\.\d+)?", "#", w.replace("at full strength: ", ""))
            row["reasons"][key] = row["reasons"].get(key, 0) + 1


def count(guarded: list[dict], destructive, bundled) -> dict:
    """Per destructive look: cases, and how often score / gain-only / guarded put it above the original;
    Kendall tau and side effects on the bundled looks. The gain-only ranking puts an entry above the
    original exactly when its gain is above 0, so both are read from the same objects."""
    per = {name: {"cases": 0, "score": 0, "old": 0, "new": 0, "entries": 0, "entries_above": 0, "reasons": {}}
           for name in destructive}
    taus_free, taus_all, warned, n_bundled, b_old, b_new = [], [], 0, 0, 0, 0
    for g in guarded:
        if "error" in g:
            continue
        above = _above_none(g["ranking"])
        for name in destructive:
            mine = [e for e in g["ranking"] if e["look"] == name]
            if mine:
                _count_edit(per[name], mine, above)
        mine = [e for e in g["ranking"] if e["look"] in bundled]
        free = [e for e in mine if not e["warnings"]]
        if len(free) >= 2:
            taus_free.append(kendall_tau([e["gain"] for e in free], [e["score"] for e in free]))
        taus_all.append(kendall_tau([e["gain"] for e in mine], [e["score"] for e in mine]))
        warned += sum(bool(e["warnings"]) for e in mine)
        n_bundled += len(mine)
        b_old += sum(e["gain"] > 0 for e in mine)
        b_new += sum((e["look"], e["strength"]) in above for e in mine)
    return {"edits": per, "tau_unguarded": float(np.nanmean(taus_free)) if taus_free else float("nan"),
            "tau_all_bundled": float(np.nanmean(taus_all)) if taus_all else float("nan"),
            "bundled_warned": warned / max(n_bundled, 1), "bundled_above_old": b_old / max(n_bundled, 1),
            "bundled_above_new": b_new / max(n_bundled, 1), "photos": sum("error" not in g for g in guarded)}


def table(stats: dict, title: str) -> str:
    """The per-edit markdown table and the summary lines."""
    lines = [f"### {title} ({stats['photos']} photos)", "",
             ("| destructive edit | cases | `score` above | gain-only above | suggest above | entries above | "
              "main reasons |"), "|---|---|---|---|---|---|---|"]
    tot = dict.fromkeys(("cases", "score", "old", "new", "entries", "entries_above"), 0)
    for name, r in stats["edits"].items():
        if not r["cases"]:
            continue
        for k in tot:
            tot[k] += r[k]
        reasons = ", ".join(f"{k} ({v})" for k, v in sorted(r["reasons"].items(), key=lambda kv: -kv[1])[:2])
        lines.append(f"| {name} | {r['cases']} | {r['score'] / r['cases']:.0%} | {r['old'] / r['cases']:.0%} | "
                     f"{r['new'] / r['cases']:.0%} | {r['entries_above']}/{r['entries']} | {reasons} |")
    c = max(tot["cases"], 1)
    lines.append(f"| **all** | {tot['cases']} | **{tot['score'] / c:.1%}** | **{tot['old'] / c:.1%}** | "
                 f"**{tot['new'] / c:.1%}** | {tot['entries_above']}/{tot['entries']} "
                 f"({tot['entries_above'] / max(tot['entries'], 1):.1%}) | |")
    lines += ["", (f"- Kendall tau (final order vs NIMA gain), bundled looks where no guard fires: "
                   f"**{stats['tau_unguarded']:.3f}**; over all bundled entries: {stats['tau_all_bundled']:.3f}"),
              (f"- bundled entries with a warning: {stats['bundled_warned']:.1%}; bundled entries above the "
               f"original: {stats['bundled_above_old']:.1%} by gain alone, {stats['bundled_above_new']:.1%} guarded")]
    return "\n".join(lines)


def _from_json(paths: list[Path], destructive: str | None) -> str:
    bundled = {name for name, _ in suite.bundled_candidates()}
    objs = []
    for path in paths:
        data = json.loads(path.read_text())
        objs += data if isinstance(data, list) else [data]
    names = (destructive.split(",") if destructive
             else sorted({e["look"] for o in objs for e in o.get("ranking", [])} - bundled - {"none"}))
    return table(count(objs, names, bundled), f"from {len(paths)} JSON files")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="dev")
    parser.add_argument("--cube", action="store_true", help="bake the edits into 33-point .cube files first")
    parser.add_argument("--from-json", nargs="*", type=Path, help="count these `suggest --json` outputs")
    parser.add_argument("--destructive", default=None, help="with --from-json: the destructive looks, comma-separated")
    parser.add_argument("--save", type=Path, help="write the guarded rankings (JSON) here")
    args = parser.parse_args()
    if args.from_json:
        print(_from_json(args.from_json, args.destructive))
        return
    edits = SUITES[args.suite]
    guarded, bundled = run_suite(suite.SUITE_PHOTOS[args.suite](), edits, args.cube)
    if args.save:
        args.save.write_text(json.dumps(guarded, indent=1))
    title = f"{args.suite} suite: {len(edits)} edits{' as 33-point .cube' if args.cube else ''}"
    print(table(count(guarded, list(edits), set(bundled)), title))


if __name__ == "__main__":
    main()

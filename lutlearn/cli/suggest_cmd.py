"""``lutlearn suggest``: rank looks for photos by NIMA's aesthetic gain, guarded against destructive looks."""

import json
import os
import sys
import time

import click

from lutlearn.cli.cluster_opts import cluster_option, cpus_per_worker_option, pin_option, results_option
from lutlearn.cli.options import json_option, overwrite_option, weights_option


@click.command("suggest", short_help="Rank looks for photos (NIMA gain, guarded against damage).")
@click.argument("photos", nargs=-1, required=True, type=click.Path())
@click.option("--looks", "look_specs", multiple=True,
              help="Candidate looks: names or look files, comma-separated or repeated (default: every look).")
@click.option("--strengths", default="0.5,1", show_default=True,
              help="Strengths to try for each look, comma-separated, each in (0, 1].")
@click.option("--top", type=click.IntRange(1, None), default=None,
              help="Show only the K best (per-photo tables, JSON rankings, overall table). [default: all]")
@click.option("--sheet", type=click.Path(dir_okay=False),
              help="Write a contact sheet (.jpg/.png): each photo, then its best entries (5 at most), labelled.")
@click.option("--no-guards", is_flag=True,
              help="Rank by NIMA's gain alone, without measuring damage (score = gain, no warnings).")
@weights_option
@overwrite_option
@json_option
@click.option("--timings", is_flag=True, help="Print the seconds spent in each stage to stderr.")
@cluster_option
@results_option
@cpus_per_worker_option
@pin_option
@click.pass_context
def suggest(ctx, photos, look_specs, strengths, top, sheet, no_guards, weights, overwrite, as_json, timings,
            cluster, results, cpus_per_worker, pin_cores):
    """Rank looks for PHOTOS (files, folders or globs); the original is an entry, "none".

    Each look at each strength gets NIMA's gain, score(graded) - score(original)
    (NIMA's mean rating, 1..10), and a score that the order uses: the gain less
    a penalty for measured damage (highlights clipped, shadows crushed, strong
    darkening or brightening, tonal levels lost, a colour cast, gamut clipping,
    oversaturation, reversed tones, rotated hues, moved skin tones). A look that
    damages the photo at full strength ranks below "none" at every strength,
    and every entry says why in its warnings. Where no guard fires, score =
    gain. The looks grade the 224x224 image NIMA sees, which gives the same
    gain as `lutlearn apply --strength S` to an 8-bit PNG, then `lutlearn
    score`. A look that fails to load is reported and skipped. With several
    photos an overall ranking by mean score follows. A photo that cannot be
    read is reported, the others are still ranked, and the exit status is 1.

    With --json: one object per photo (a JSON array of them when several
    photos, a folder or a glob are given); rankings are best score first:

    \b
        {"photo": PATH, "original": {"mean": M, "std": S},
         "ranking": [{"look": NAME, "strength": S, "mean": M, "std": S,
                      "gain": G, "score": X, "warnings": [TEXT, ...]}, ...]}
        the original: {"look": "none", "strength": 0, "gain": 0, "score": 0, ...}
        {"photo": PATH, "error": MESSAGE}      (a photo that cannot be read)

    \b
        $ lutlearn suggest photo.jpg --top 5 --sheet sheet.jpg
        $ lutlearn suggest shoot/ --looks teal_orange,sepia --strengths 0.5,1 --json

    With --cluster ADDRESS (or $LUTLEARN_CLUSTER) the photos are ranked on a
    Ray cluster, one row per photo (its --json object, every entry) in -o
    FILE.jsonl|FILE.parquet|DIR/; PHOTOS may also be list files and URIs.
    """
    from lutlearn.cli import one_line
    from lutlearn.cli.cluster_opts import address, refuse, run_job

    where = address(cluster)
    if where is not None:
        refuse(**{"--json does not go with --cluster (the rows go to -o FILE)": as_json,
                  "--sheet does not go with --cluster": sheet, "--top does not go with --cluster": top})
        if results is None:
            raise click.UsageError("--cluster needs -o/--output FILE.jsonl|FILE.parquet|DIR/ for the results")
        from lutlearn.rank.candidates import parse_strengths

        specs = [s.strip() for spec in look_specs for s in spec.split(",") if s.strip()] or None
        return run_job(ctx, "run_suggest", photos, results, address=where, looks=specs,
                       strengths=parse_strengths(strengths), weights=weights, guards=not no_guards,
                       cpus_per_worker=cpus_per_worker, pin_cores=pin_cores, timings=timings,
                       warn=lambda message: click.echo(f"warning: {one_line(message)}", err=True))
    refuse(**{"-o/--output needs --cluster (or use --json)": results})
    from lutlearn.images import check_output
    from lutlearn.looks.apply import expand_inputs
    from lutlearn.progress import progress_bar
    from lutlearn.rank.suggest import suggest as rank_all
    from lutlearn.rank.tables import format_overall, format_photo

    t_start = time.perf_counter()
    inputs = expand_inputs(photos)
    if sheet:
        check_output(sheet, inputs, overwrite=overwrite)
    many = len(photos) > 1 or not os.path.isfile(photos[0])  # a folder or a glob: a JSON array
    candidates, strength_list, load_scorer, stages = _setup(look_specs, strengths, weights)
    bar = progress_bar(len(inputs), "suggest", enabled=len(inputs) > 1, unit="photo")

    def on_done(result):
        if result.error is not None:
            bar.write(f"error: {one_line(result.error)}", file=sys.stderr)
        elif not as_json:
            click.echo(format_photo(result, top) + ("\n" if len(inputs) > 1 else ""))
        bar.update(1)

    results = rank_all(inputs, candidates, strength_list, load_scorer, guards=not no_guards, on_done=on_done)
    bar.close()
    for r in results:
        for stage, seconds in r.timings.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    if sheet:
        stages["sheet"] = _write_sheet(sheet, results, candidates, top)
    if as_json:
        click.echo(json.dumps([r.to_dict(top) for r in results] if many else results[0].to_dict(top), indent=1))
    elif len(results) > 1:
        click.echo(format_overall(results, top))
    if timings:
        stages["total"] = time.perf_counter() - t_start
        click.echo("timings (s): " + "  ".join(f"{k} {v:.3f}" for k, v in stages.items()), err=True)
    failed = [r.error for r in results if r.error is not None]
    if len(failed) > 1:
        click.echo(f"{len(failed)} of {len(results)} photos could not be read", err=True)
    if failed:
        ctx.exit(1)


def _setup(look_specs, strengths, weights):
    """Parse the options and load the looks: (candidates, strengths, scorer loader, {stage: seconds})."""
    from lutlearn.nima.score import Scorer, enable_compilation_cache
    from lutlearn.rank.candidates import batch_size, load_candidates, parse_strengths

    t0 = time.perf_counter()
    strength_list = parse_strengths(strengths)
    specs = [s.strip() for spec in look_specs for s in spec.split(",") if s.strip()] or None
    candidates = load_candidates(specs, warn=lambda message: click.echo(f"warning: {message}", err=True))
    stages = {"looks": time.perf_counter() - t0}

    def load_scorer():  # called by suggest() once the first photo is decoding
        t1 = time.perf_counter()
        enable_compilation_cache()
        scorer = Scorer.load(weights, batch_size=batch_size(len(candidates), len(strength_list)))
        stages["weights"] = time.perf_counter() - t1
        return scorer

    return candidates, strength_list, load_scorer, stages


def _write_sheet(path, results, candidates, top) -> float:
    """Write the contact sheet and print its path to stderr; returns the seconds taken."""
    from lutlearn.rank.sheet import SHEET_LOOKS, write_sheet

    t0 = time.perf_counter()
    written = write_sheet(path, results, dict(candidates), min(top or SHEET_LOOKS, SHEET_LOOKS))
    click.echo(f"sheet: {written}", err=True)
    return time.perf_counter() - t0


COMMANDS = [suggest]

"""``lutlearn score``: NIMA aesthetic scores of images."""

import json
import os

import click

from lutlearn.cli.cluster_opts import cluster_option, cpus_per_worker_option, pin_option, results_option
from lutlearn.cli.options import json_option, weights_option


@click.command("score")
@click.argument("images", nargs=-1, required=True, type=click.Path())
@weights_option
@click.option("--padding", type=click.Choice(["keras216", "tfkeras"]), default=None,
              help="Conv padding: keras216 is the graph idealo's weights were trained in; tfkeras is today's "
                   "keras.applications MobileNet. [default: the weights' own, keras216]")
@click.option("--batch-size", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Images per compiled call.")
@json_option
@cluster_option
@results_option
@cpus_per_worker_option
@click.option("--timings", is_flag=True, help="With --cluster: print the job's timings (s) as JSON to stderr.")
@click.option("--rows-per-chunk", type=click.IntRange(1, 4096), default=None, hidden=True)
@pin_option
@click.pass_context
def score(ctx, images, weights, padding, batch_size, as_json, cluster, results, cpus_per_worker, timings,
          rows_per_chunk, pin_cores):
    """Score IMAGES for aesthetics with NIMA (idealo's MobileNet, AVA; or your own from `lutlearn nima train`).

    Prints one line per image: path, mean rating (1..10) and its standard
    deviation, tab-separated. With --json: a list of {path, mean, std,
    distribution} objects ({path, error} for an unreadable image). Images are
    resized to 224x224 exactly as idealo's predictor does. Unreadable images
    are reported and the exit status is 1, but the others are still scored.

    \b
        $ lutlearn score photo.jpg
        $ lutlearn score --json shots/*.jpg > scores.json

    With --cluster ADDRESS (or $LUTLEARN_CLUSTER) the photos are scored on a
    Ray cluster and the rows go to -o FILE.jsonl|FILE.parquet|DIR/; IMAGES may
    also be folders, list files and URIs.

    \b
        $ lutlearn score shoot/ more.txt --cluster local -o scores.jsonl
    """
    from lutlearn.cli import one_line
    from lutlearn.cli.cluster_opts import address, refuse, run_job

    where = address(cluster)
    if where is not None:
        refuse(**{"--json does not go with --cluster (the rows go to -o FILE)": as_json})
        if results is None:
            raise click.UsageError("--cluster needs -o/--output FILE.jsonl|FILE.parquet|DIR/ for the results")
        return run_job(ctx, "run_score", images, results, address=where, weights=weights, padding=padding,
                       batch_size=batch_size, cpus_per_worker=cpus_per_worker, pin_cores=pin_cores,
                       rows_per_chunk=rows_per_chunk, timings=timings)
    refuse(**{"-o/--output needs --cluster (or use --json)": results})
    for image in images:
        if os.path.isdir(image):
            raise click.BadParameter(f"{image!r} is a directory (give its files, or use --cluster)",
                                     param_hint="IMAGES")
    from lutlearn.nima.score import Scorer, enable_compilation_cache

    enable_compilation_cache()
    compiled_batch = min(batch_size, 1 << (len(images) - 1).bit_length())  # few images: a smaller batch
    scorer = Scorer.load(weights, padding=padding, batch_size=compiled_batch)
    results = scorer.score_files(images)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=1))
    else:
        for r in results:
            if r.error is None:
                click.echo(f"{r.path}\t{r.mean:.4f}\t{r.std:.4f}")
    failed = [r.error for r in results if r.error is not None]
    for message in failed:
        click.echo(f"error: {one_line(message)}", err=True)
    if failed:
        ctx.exit(1)


COMMANDS = [score]

"""``lutlearn apply``: apply a look to photos."""

import math

import click

from lutlearn.cli.cluster_opts import cluster_option
from lutlearn.cli.options import jobs_option, out_dir_option, output_option, overwrite_option
from lutlearn.images.container import PNG_COMPRESSION
from lutlearn.looks.look import COMPILED_MIN_PIXELS, ENGINES


def _finite(ctx, param, value):
    if value is not None and math.isnan(value):  # FloatRange lets nan through
        raise click.BadParameter("must be a number in 0..1, got nan")
    return value


@click.command("apply")
@click.argument("photos", nargs=-1, required=True, type=click.Path())
@click.option("--look", required=True,
              help="A .cube file, a Hald CLUT .png/.tif, a learned model .npz, or a look name.")
@output_option(required=False, help="Output file, for one photo; the format follows the extension.")
@out_dir_option
@click.option("--strength", type=click.FloatRange(0.0, 1.0), default=1.0, show_default=True, callback=_finite,
              help="Blend of the look with the original: 0 = unchanged, 1 = full look.")
@click.option("--interp", "method", type=click.Choice(["tetrahedral", "trilinear"]), default="tetrahedral",
              show_default=True, help="LUT interpolation (model files are evaluated exactly).")
@click.option("--quality", type=click.IntRange(1, 100), default=None,
              help="JPEG output quality (default: a JPEG photo keeps its own quality, i.e. its quantisation tables "
                   "and chroma subsampling; other photos get 95).")
@click.option("--png-compression", "png", type=click.Choice(list(PNG_COMPRESSION)), default="fast", show_default=True,
              help="PNG output: " + "; ".join(f"{k} = {v}" for k, v in PNG_COMPRESSION.items()) + ".")
@click.option("--bit-depth", type=click.Choice(["8", "16"]), default=None,
              help="Output bit depth (default: the input's).")
@click.option("--engine", type=click.Choice(list(ENGINES)), default="auto", show_default=True,
              help="How a LUT look is computed on 16-bit and float photos (the results are identical): compiled = "
                   "one fused XLA kernel on every core (JAX's start-up costs ~0.5 s once); numpy = numpy on "
                   "--jobs threads (16-bit: each channel's lattice cell looked up by code); auto = compiled for "
                   f"{COMPILED_MIN_PIXELS // 1_000_000}+ Mpx of such work, numpy for less.")
@click.option("--bake", type=click.IntRange(2, 256), default=None, metavar="N",
              help="Bake a learned-model look into an NxNxN LUT first (e.g. 65): much faster on 16-bit photos, "
                   "with the LUT's interpolation error (models are otherwise evaluated exactly). LUT looks: no effect.")
@jobs_option
@overwrite_option
@cluster_option
@click.option("--photos-per-task", type=click.IntRange(1, 4096), default=None,
              help="With --cluster: photos per LUT task. [default: about 8 tasks per CPU, at most 8 photos]")
@click.option("--timings", is_flag=True, help="With --cluster: print the job's timings (s) as JSON to stderr.")
@click.pass_context
def apply(ctx, photos, look, output, out_dir, strength, method, quality, png, bit_depth, engine, bake, jobs,
          overwrite, cluster, photos_per_task, timings):
    """Apply a look to PHOTOS (files, folders or glob patterns).

    The output is stored as the photo was: 8- and 16-bit PNG/TIFF keep their
    bit depth; a TIFF keeps its compression (uncompressed stays uncompressed,
    deflate stays deflate; LZW is written as LZW with the optional imagecodecs
    package, pip install 'lutlearn[tiff]', else as deflate with a warning); a
    JPEG keeps its quality unless --quality is given; PNG is written fast
    (--png-compression). ICC profile, EXIF (all of it, orientation included,
    not applied), DPI and alpha pass through unchanged. Output paths go to
    stdout; progress, errors and a summary to stderr. A photo that fails is
    reported and skipped; the exit status is 1 if any failed. Ctrl-C or
    SIGTERM stops the batch: the photos being written are finished, no others
    are started, and the summary says how many were done (exit status 130 or 143).

    \b
        $ lutlearn apply kodim05.png --look film.cube -o graded.png
        $ lutlearn apply shoot/ --look portra.png --out-dir graded/ --strength 0.7

    With --cluster ADDRESS (or $LUTLEARN_CLUSTER) the photos are graded on a
    Ray cluster into --out-dir (a folder every node shares, or an object-store
    URI); PHOTOS may also be list files and URIs. Outputs are written
    atomically and named from their inputs, so outputs that exist are skipped
    (unless --overwrite): re-running the same command finishes a job.

    \b
        $ lutlearn apply s3://shop/in/ --look teal_orange --out-dir s3://shop/out/ --cluster 10.0.0.5:6379
    """
    import sys

    from lutlearn.cli.cluster_opts import address, refuse, run_job

    where = address(cluster)
    if where is not None:
        refuse(**{"-o/--output does not go with --cluster (use --out-dir)": output,
                  "--bake does not go with --cluster (bake the model with `lutlearn bake` first)": bake})
        if out_dir is None:
            raise click.UsageError("--cluster needs --out-dir DIR (a shared folder or an object-store URI)")
        from lutlearn.cluster.jobs import ApplyOptions

        options = ApplyOptions(strength=strength, method=method, quality=quality, png=png,
                               bit_depth=int(bit_depth) if bit_depth else None, overwrite=overwrite)
        return run_job(ctx, "run_apply", photos, look, out_dir, options, address=where,
                       photos_per_task=photos_per_task, timings=timings, echo_written=True)

    from lutlearn.cli import one_line
    from lutlearn.cli.signals import exit_status, signals_as_flag
    from lutlearn.looks.apply import apply_batch, expand_inputs, plan_outputs
    from lutlearn.looks.resolve import resolve_look
    from lutlearn.progress import progress_bar

    the_look = resolve_look(look, method=method, engine=engine, bake=bake)
    pairs = plan_outputs(expand_inputs(photos), output=output, out_dir=out_dir, overwrite=overwrite)
    bar = progress_bar(len(pairs), "apply", enabled=len(pairs) > 1, unit="photo")

    def on_done(src, dst, error):
        if error is not None:
            bar.write(f"error: {one_line(error)}", file=sys.stderr)
        bar.update(1)
        if dst is not None:
            click.echo(str(dst))

    with signals_as_flag() as stop:
        result = apply_batch(pairs, the_look, jobs=jobs, on_done=on_done, stop=stop, strength=strength,
                             quality=quality, bit_depth=int(bit_depth) if bit_depth else None, overwrite=overwrite,
                             png=png)
    bar.close()
    if len(pairs) > 1 or result.stopped:
        click.echo(result.summary(), err=True)
    if result.stopped:
        ctx.exit(exit_status(stop.signum))
    if result.failed:
        ctx.exit(1)


COMMANDS = [apply]

"""``lutlearn apply``: apply a look to photos."""

import math

import click

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
                   f"--jobs threads; auto = compiled for {COMPILED_MIN_PIXELS // 1_000_000}+ Mpx of such work, "
                   "numpy for less.")
@click.option("--bake", type=click.IntRange(2, 256), default=None, metavar="N",
              help="Bake a learned-model look into an NxNxN LUT first (e.g. 65): much faster on 16-bit photos, "
                   "with the LUT's interpolation error (models are otherwise evaluated exactly). LUT looks: no effect.")
@jobs_option
@overwrite_option
@click.pass_context
def apply(ctx, photos, look, output, out_dir, strength, method, quality, png, bit_depth, engine, bake, jobs,
          overwrite):
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
    """
    import sys

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

"""``lutlearn apply``: apply a look to photos."""

import math

import click

from lutlearn.cli.options import jobs_option, out_dir_option, output_option, overwrite_option


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
@click.option("--quality", type=click.IntRange(1, 100), default=95, show_default=True, help="JPEG output quality.")
@click.option("--bit-depth", type=click.Choice(["8", "16"]), default=None,
              help="Output bit depth (default: the input's).")
@jobs_option
@overwrite_option
@click.pass_context
def apply(ctx, photos, look, output, out_dir, strength, method, quality, bit_depth, jobs, overwrite):
    """Apply a look to PHOTOS (files, folders or glob patterns).

    8- and 16-bit PNG/TIFF keep their bit depth; JPEG is written with
    --quality. ICC profile, EXIF (orientation included, not applied), DPI and
    alpha pass through unchanged. Output paths go to stdout; progress, errors
    and a summary to stderr. A photo that fails is reported and skipped; the
    exit status is 1 if any failed. Ctrl-C or SIGTERM stops the batch: the
    photos being written are finished, no others are started, and the summary
    says how many were done (exit status 130 or 143).

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

    the_look = resolve_look(look, method=method)
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
                             quality=quality, bit_depth=int(bit_depth) if bit_depth else None, overwrite=overwrite)
    bar.close()
    if len(pairs) > 1 or result.stopped:
        click.echo(result.summary(), err=True)
    if result.stopped:
        ctx.exit(exit_status(stop.signum))
    if result.failed:
        ctx.exit(1)


COMMANDS = [apply]

"""``lutlearn fit``, ``lutlearn bake`` and ``lutlearn demo``."""

from __future__ import annotations

import json
import warnings

import click

from lutlearn.cli.options import json_option, outputs_option, overwrite_option, seed_option, size_option
from lutlearn.errors import LutlearnError, LutlearnWarning
from lutlearn.learn.train import FitConfig

_DEFAULTS = FitConfig._field_defaults

_backend_option = click.option("--backend", type=click.Choice(["jax", "sklearn"]), default="jax", show_default=True,
                               help="jax: optax Adam, jit (GPU when JAX sees one). sklearn: the classic MLPRegressor recipe.")
_hidden_option = click.option("--hidden", default="32", show_default=True,
                              help="Hidden layer widths, comma-separated (e.g. 64,64).")
_lattice_option = click.option("--lattice", type=click.IntRange(0, 129), default=0, show_default=True,
                               help="Accuracy option: add a residual lattice of this many nodes per axis, solved "
                                    "by least squares after the network (use the same value as --size, e.g. 33). "
                                    "0 = the plain network.")
_level_option = click.option("--hald-level", type=click.IntRange(2, 16), default=8, show_default=True,
                             help="Level of Hald image outputs (L² nodes per axis).")


def _epoch_printer(label: str):
    from lutlearn.progress import progress_bar

    state = {}

    def progress(epoch, total, train_loss, val_loss):
        bar = state.get("bar") or state.setdefault("bar", progress_bar(total, label, unit="epoch"))
        bar.set_postfix_str(f"loss {train_loss:.3e} val {val_loss:.3e}", refresh=False)
        bar.update(1)

    def close():
        if "bar" in state:
            state["bar"].close()

    return progress, close


def _print_summary(summary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
        return
    de = summary.delta_e
    for path in summary.outputs:
        click.echo(str(path))
    click.echo(f"ΔE2000 on held-out colours: mean {de['mean']:.3f}  p95 {de['p95']:.3f}  max {de['max']:.3f}")
    click.echo(f"time: {summary.seconds:.1f} s ({len(summary.result.train_loss)} epochs, "
               f"best {summary.result.best_epoch}, {summary.model.spec.describe()})")
    for note in summary.result.notes:
        click.echo(f"note: {note}", err=True)


_TRAINER_OPTIONS = ("backend", "epochs", "batch_size", "lr", "patience", "epoch_samples", "jpeg_chroma")


@click.command("fit")
@click.argument("images", nargs=-1, required=False, type=click.Path(dir_okay=False))
@click.option("--pairs", "pair_dirs", nargs=2, type=click.Path(file_okay=False), default=None,
              metavar="BEFORE_DIR AFTER_DIR",
              help="Match the images of two folders by name (IMG_0042.tif <-> IMG_0042.jpg or IMG_0042-Edit.jpg) "
                   "and learn one look from all the pairs.")
@outputs_option("Output (repeatable): .cube LUT, .png/.tif Hald CLUT, or .npz learned model.")
@size_option
@_level_option
@_hidden_option
@_lattice_option
@click.option("--method", type=click.Choice(["auto", "photo", "pixel"]), default="auto", show_default=True,
              help="photo: register each pair and fit robustly (resized, re-framed, JPEG, vignetted exports). "
                   "pixel: pair pixels one to one (the identity chart, or images aligned pixel for pixel). "
                   "auto: pixel when the before image is lutlearn's identity chart, else photo.")
@_backend_option
@click.option("--epochs", type=click.IntRange(1, 100000), default=_DEFAULTS["max_epochs"], show_default=True,
              help="Epochs to train (pixel method, jax; the learning rate decays over them).")
@click.option("--batch-size", type=click.IntRange(1, 1 << 20), default=_DEFAULTS["batch_size"], show_default=True,
              help="Minibatch size (pixel method, jax).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=_DEFAULTS["learning_rate"], show_default=True,
              help="Initial Adam learning rate (pixel method, jax).")
@click.option("--patience", type=click.IntRange(1, 10000), default=_DEFAULTS["patience"], show_default=True,
              help="Stop after this many epochs without validation improvement (pixel method, jax).")
@click.option("--epoch-samples", type=click.IntRange(1), default=_DEFAULTS["epoch_samples"], show_default=True,
              help="Samples drawn per epoch (pixel method, jax; a full pass when there are fewer).")
@click.option("--jpeg-chroma/--no-jpeg-chroma", default=True, show_default=True,
              help="For 4:2:0 JPEG after images, fit the file's stored luma and 2x2 block chroma "
                   "instead of the decoder's interpolated colours (pixel method, jax backend; the photo method "
                   "simulates the file's own JPEG encoding instead).")
@click.option("--match-size", is_flag=True, hidden=True,
              help="Deprecated and ignored: photo pairs of different sizes are registered automatically.")
@click.option("--title", default="", help="LUT title (default: the output file's name).")
@click.option("--report", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG report figure here (pixel method).")
@seed_option
@overwrite_option
@json_option
@click.pass_context
def fit(ctx, images, pair_dirs, outputs, size, hald_level, hidden, lattice, method, backend, epochs, batch_size, lr,
        patience, epoch_samples, jpeg_chroma, match_size, title, report, seed, overwrite, as_json):
    """Learn a look from BEFORE AFTER image pairs and export it.

    IMAGES are before/after pairs: BEFORE1 AFTER1 [BEFORE2 AFTER2 ...], or give
    two folders with --pairs. Two kinds of pairs work:

    \b
    - the chart from `lutlearn chart`, pushed through your editor (exact: every colour);
    - ordinary photos and their edited exports: resized, cropped, JPEG-compressed,
      vignetted or grainy exports are registered and fitted robustly; the fit
      reports the transform it found, the pixels it used, any vignette (left out
      of the LUT), local edits (left out) and how much of the colour cube the
      photos cover (the rest is extrapolated).

    \b
        $ lutlearn fit chart.png graded.png --out kodachrome.cube
        $ lutlearn fit IMG_0042.tif IMG_0042.jpg -o look.cube
        $ lutlearn fit --pairs originals/ exports/ -o look.cube --json
    """
    if match_size:
        warnings.warn("--match-size is deprecated and ignored: photo pairs of different sizes are registered and "
                      "the larger image is area-averaged down (never upsampled)", LutlearnWarning, stacklevel=1)
    pairs = _pairs_from(images, pair_dirs)
    if method == "auto":
        from lutlearn.learn.photofit import is_chart_pair

        charts = [is_chart_pair(b) for b, _ in pairs]
        if any(charts) and not all(charts):
            raise LutlearnError(f"{pairs[charts.index(True)][0]}: the identity chart and photo pairs cannot be "
                                "fitted together; fit them separately (or choose --method)")
        method = "pixel" if all(charts) else "photo"
    if method == "photo":
        if report:
            raise LutlearnError(f"{report}: --report draws the chart (pixel) fit; photo pairs print their account on "
                                "stderr (--json for programs)")
        ignored = [f"--{name.replace('_', '-')}" for name in _TRAINER_OPTIONS
                   if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]
        _fit_photos(pairs, outputs, size, hald_level, hidden, lattice, seed, title, overwrite, as_json)
        if ignored:  # said after the fit, so that a bad input stays one line
            warnings.warn(f"{', '.join(ignored)}: only for the pixel method (the identity chart); ignored for "
                          "photo pairs", LutlearnWarning, stacklevel=1)
        return
    from lutlearn.learn.fitting import fit_files
    from lutlearn.learn.model import MLPSpec, parse_hidden

    spec = MLPSpec(hidden=parse_hidden(hidden), lattice=lattice)
    config = FitConfig(backend=backend, max_epochs=epochs, batch_size=batch_size, learning_rate=lr,
                       patience=patience, epoch_samples=epoch_samples, seed=seed)
    progress, close = _epoch_printer(f"fit ({backend})")
    try:
        summary = fit_files(pairs, outputs, spec=spec, config=config, size=size, hald_level=hald_level,
                            title=title, progress=progress, report=report,
                            jpeg_chroma=jpeg_chroma, log=lambda m: click.echo(m, err=True), overwrite=overwrite)
    finally:
        close()
    _print_summary(summary, as_json)


def _pairs_from(images, pair_dirs) -> list:
    """(before, after) pairs from the IMAGES arguments or the --pairs folders."""
    from lutlearn.learn.pair_folders import listing, match_pair_folders

    if pair_dirs:
        if images:
            raise click.UsageError("give either BEFORE AFTER images or --pairs BEFORE_DIR AFTER_DIR, not both")
        pairs, skipped = match_pair_folders(*pair_dirs)
        if skipped:
            warnings.warn(f"{pair_dirs[0]}: {len(skipped)} before image(s) have no after image and are skipped: "
                          f"{listing(skipped)}", LutlearnWarning, stacklevel=1)
        return pairs
    if not images:
        raise click.UsageError("expected BEFORE AFTER image pairs (or --pairs BEFORE_DIR AFTER_DIR)")
    if len(images) % 2:
        raise click.BadParameter(f"expected before/after pairs, got {len(images)} images", param_hint="IMAGES")
    return list(zip(images[::2], images[1::2]))


def _fit_photos(pairs, outputs, size, hald_level, hidden, lattice, seed, title, overwrite, as_json) -> None:
    from lutlearn.learn.model import MLPSpec, parse_hidden
    from lutlearn.learn.photofit import FitOptions, fit_photo_files

    spec = MLPSpec(hidden=parse_hidden(hidden), lattice=lattice or 33)
    summary = fit_photo_files(pairs, outputs, spec=spec, opts=FitOptions(seed=seed), size=size, hald_level=hald_level,
                              title=title, overwrite=overwrite, log=lambda m: click.echo(m, err=True))
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
        return
    for path in summary.outputs:
        click.echo(str(path))
    click.echo(f"time: {summary.seconds:.1f} s ({summary.fit.model.spec.describe()}, photo pairs)")


@click.command("bake")
@click.argument("model", type=click.Path(dir_okay=False))
@outputs_option("Output (repeatable): .cube or Hald .png/.tif.")
@size_option
@_level_option
@click.option("--title", default="", help="LUT title (default: the output file's name).")
@overwrite_option
def bake(model, outputs, size, hald_level, title, overwrite):
    """Bake a learned MODEL (.npz) into LUTs of any size.

    \b
        $ lutlearn bake look.npz --out look65.cube --size 65
    """
    from lutlearn.learn.fitting import check_outputs, export
    from lutlearn.learn.modelfile import load_model

    paths = check_outputs(outputs, [model], overwrite=overwrite)
    learned = load_model(model)
    for path in export(learned, paths, size, hald_level, title):
        click.echo(str(path))


@click.command("demo")
@click.option("--out-dir", type=click.Path(file_okay=False), default="lutlearn-demo", show_default=True,
              help="Folder for the chart, the graded chart, the .cube, the model and the report.")
@click.option("--level", type=click.IntRange(4, 16), default=16, show_default=True, help="Chart level (16 = all 8-bit colours).")
@_backend_option
@seed_option
@overwrite_option
@json_option
def demo(out_dir, level, backend, seed, overwrite, as_json):
    """Run the whole job on built-in data: no files of your own needed.

    Writes the identity chart, grades it with the built-in reference grade
    ("darkroom": non-linear RGB curves, desaturation, hue rotation), learns the
    grade back, writes darkroom.cube, darkroom.npz and a report, and prints the
    fit's ΔE2000.

    \b
        $ lutlearn demo --out-dir demo/
    """
    from lutlearn.learn.demo import run_demo

    progress, close = _epoch_printer(f"fit ({backend})")
    try:
        summary = run_demo(out_dir, level=level, backend=backend, seed=seed, progress=progress,
                           log=lambda m: click.echo(m, err=True), overwrite=overwrite)
    finally:
        close()
    _print_summary(summary, as_json)


COMMANDS = [fit, bake, demo]

"""``lutlearn fit``, ``lutlearn bake`` and ``lutlearn demo``."""

from __future__ import annotations

import json

import click

from lutlearn.cli.options import json_option, outputs_option, overwrite_option, seed_option, size_option
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


@click.command("fit")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@outputs_option("Output (repeatable): .cube LUT, .png/.tif Hald CLUT, or .npz learned model.")
@size_option
@_level_option
@_hidden_option
@_lattice_option
@_backend_option
@click.option("--epochs", type=click.IntRange(1, 100000), default=_DEFAULTS["max_epochs"], show_default=True,
              help="Epochs to train (jax; the learning rate decays over them).")
@click.option("--batch-size", type=click.IntRange(1, 1 << 20), default=_DEFAULTS["batch_size"], show_default=True,
              help="Minibatch size (jax).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=_DEFAULTS["learning_rate"], show_default=True,
              help="Initial Adam learning rate (jax).")
@click.option("--patience", type=click.IntRange(1, 10000), default=_DEFAULTS["patience"], show_default=True,
              help="Stop after this many epochs without validation improvement (jax).")
@click.option("--epoch-samples", type=click.IntRange(1), default=_DEFAULTS["epoch_samples"], show_default=True,
              help="Samples drawn per epoch (jax; a full pass when there are fewer).")
@click.option("--jpeg-chroma/--no-jpeg-chroma", default=True, show_default=True,
              help="For 4:2:0 JPEG after images, fit the file's stored luma and 2x2 block chroma "
                   "instead of the decoder's interpolated colours (jax backend).")
@click.option("--match-size", is_flag=True, help="Resample an after image whose size differs from its before image.")
@click.option("--title", default="", help="LUT title (default: the output file's name).")
@click.option("--report", type=click.Path(dir_okay=False), default=None, help="Write a PNG report figure here.")
@seed_option
@overwrite_option
@json_option
def fit(images, outputs, size, hald_level, hidden, lattice, backend, epochs, batch_size, lr, patience, epoch_samples,
        jpeg_chroma, match_size, title, report, seed, overwrite, as_json):
    """Learn a look from BEFORE AFTER image pairs and export it.

    IMAGES are before/after pairs: BEFORE1 AFTER1 [BEFORE2 AFTER2 ...]. The
    before image is usually the chart from `lutlearn chart`, pushed through
    your editor to make the after image; ordinary photo pairs work too.

    \b
        $ lutlearn fit chart.png graded.png --out kodachrome.cube
        $ lutlearn fit chart.png graded.jpg -o look.cube -o look.npz --report fit.png
        $ lutlearn fit a.jpg a_edit.jpg b.jpg b_edit.jpg -o look.cube --hidden 64,64
    """
    from lutlearn.learn.fitting import fit_files
    from lutlearn.learn.model import MLPSpec, parse_hidden

    if len(images) % 2:
        raise click.BadParameter(f"expected before/after pairs, got {len(images)} images", param_hint="IMAGES")
    pairs = list(zip(images[::2], images[1::2]))
    spec = MLPSpec(hidden=parse_hidden(hidden), lattice=lattice)
    config = FitConfig(backend=backend, max_epochs=epochs, batch_size=batch_size, learning_rate=lr,
                       patience=patience, epoch_samples=epoch_samples, seed=seed)
    progress, close = _epoch_printer(f"fit ({backend})")
    try:
        summary = fit_files(pairs, outputs, spec=spec, config=config, size=size, hald_level=hald_level,
                            match_size=match_size, title=title, progress=progress, report=report,
                            jpeg_chroma=jpeg_chroma, log=lambda m: click.echo(m, err=True), overwrite=overwrite)
    finally:
        close()
    _print_summary(summary, as_json)


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

"""``lutlearn nima``: the NIMA scorer's own tools; ``lutlearn nima train`` fine-tunes it on your ratings."""

import json
import math

import click

from lutlearn.cli.options import json_option, output_option, overwrite_option, seed_option, weights_option


@click.group("nima", short_help="NIMA scorer tools: train it on your ratings.")
def nima():
    """NIMA scorer tools.

    \b
        $ lutlearn nima train ratings.csv -o mine.npz
        $ lutlearn score --weights mine.npz photo.jpg
    """


@nima.command("train", short_help="Fine-tune the NIMA scorer on ratings (CSV, AVA.txt, XMP stars).")
@click.argument("ratings", nargs=-1, required=True)
@output_option(help="The weights file to write (.npz); `score --weights` and `suggest --weights` take it.")
@click.option("--format", "fmt", type=click.Choice(["auto", "csv", "ava", "xmp"]), default="auto", show_default=True,
              help="What RATINGS are: a CSV, AVA's AVA.txt, or photos/folders with XMP star ratings "
                   "(auto: by name).")
@click.option("--images", "images_dir", type=click.Path(file_okay=False), default=None,
              help="AVA: the folder of <id>.jpg images. [default: images/ beside AVA.txt]")
@weights_option
@click.option("--epochs-head", type=click.IntRange(0, None), default=5, show_default=True,
              help="Phase 1: the most epochs training the head, the base frozen.")
@click.option("--epochs-all", type=click.IntRange(0, None), default=9, show_default=True,
              help="Phase 2: the most epochs training all layers.")
@click.option("--lr-head", type=click.FloatRange(0, None, min_open=True), default=1e-3, show_default=True,
              help="Phase 1 peak learning rate.")
@click.option("--lr-all", type=click.FloatRange(0, None, min_open=True), default=3e-5, show_default=True,
              help="Phase 2 peak learning rate.")
@click.option("--batch-size", type=click.IntRange(1, 512), default=16, show_default=True, help="Images per step.")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=0.75, show_default=True,
              help="Dropout before the head.")
@click.option("--patience", type=click.IntRange(1, None), default=3, show_default=True,
              help="Epochs without a better validation EMD before a phase stops.")
@click.option("--val-fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.2,
              show_default=True, help="Share of the images held out for validation, by whole photos (CSV 'group').")
@seed_option
@overwrite_option
@json_option
def train(ratings, output, fmt, images_dir, weights, epochs_head, epochs_all, lr_head, lr_all, batch_size, dropout,
          patience, val_fraction, seed, overwrite, as_json):
    """Fine-tune the NIMA scorer on RATINGS and write the weights to OUTPUT.

    RATINGS is a CSV (an image column and 10 vote counts, a mean 1..10, or
    stars 1..5; optional group), AVA's AVA.txt, or photos and folders whose XMP
    star ratings (sidecars, or embedded as Lightroom, darktable and digiKam
    write them) are the ratings; unrated, rejected and malformed ones are
    skipped and counted. Training follows NIMA: the head with the base frozen,
    then all layers at a lower rate; EMD loss, Adam with a cosine schedule,
    random crops and flips, a validation split by photo, early stopping.
    Ctrl-C stops and still writes the best weights so far. The report gives
    SRCC, LCC, accuracy at 5 and EMD on the held-out photos, untrained and
    trained. The weights file records its provenance.

    \b
        $ lutlearn nima train ratings.csv -o mine.npz --seed 0
        $ lutlearn nima train ~/Pictures/rated/ -o mine.npz
        $ lutlearn nima train AVA.txt --images ava/images -o ava.npz
        $ lutlearn score --weights mine.npz photo.jpg
    """
    from lutlearn.nima.train import TrainConfig
    from lutlearn.nima.trainfiles import format_report, run
    from lutlearn.progress import say

    config = TrainConfig(epochs_head=epochs_head, epochs_all=epochs_all, lr_head=lr_head, lr_all=lr_all,
                         batch_size=batch_size, dropout=dropout, patience=patience, val_fraction=val_fraction,
                         seed=seed)
    report = run(ratings, output, fmt=fmt, images_dir=images_dir, weights=weights, overwrite=overwrite,
                 config=config, say=say)
    click.echo(json.dumps(_finite(report), indent=1) if as_json else format_report(report))


def _finite(value):
    """The report with NaN (an undefined correlation) as null, so that --json prints strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


COMMANDS = [nima]

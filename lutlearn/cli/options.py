"""Options shared by several commands, defined once so every command spells them alike (rasterio's ``rio/options``)."""

import os

import click

__all__ = ["output_option", "outputs_option", "out_dir_option", "overwrite_option", "jobs_option", "json_option",
           "seed_option", "size_option", "weights_option", "DEFAULT_JOBS"]

DEFAULT_JOBS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def output_option(required: bool = True, help: str = "Output file; the format follows the extension."):
    """``-o/--output/--out FILE``: one output file."""
    return click.option("-o", "--output", "--out", "output", required=required, type=click.Path(dir_okay=False),
                        help=help)


def outputs_option(help: str):
    """``-o/--out/--output FILE``, repeatable: several outputs, each of the kind its extension says."""
    return click.option("-o", "--out", "--output", "outputs", multiple=True, required=True,
                        type=click.Path(dir_okay=False), help=help)


out_dir_option = click.option("--out-dir", type=click.Path(file_okay=False),
                              help="Output folder, for any number of photos (same names).")
overwrite_option = click.option("--overwrite", is_flag=True,
                                help="Replace output files that already exist (never an input).")
jobs_option = click.option("--jobs", type=click.IntRange(1, 64), default=DEFAULT_JOBS, show_default=True,
                           help="Files processed at once.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
seed_option = click.option("--seed", type=int, default=0, show_default=True,
                           help="Random seed (training is deterministic under it).")
size_option = click.option("--size", type=click.IntRange(2, 256), default=33, show_default=True,
                           help="LUT nodes per axis for .cube export.")
weights_option = click.option("--weights", type=click.Path(dir_okay=False), default=None,
                              help="NIMA weights: idealo's weights_mobilenet_aesthetic_0.07.hdf5 or a `lutlearn nima "
                                   "train` .npz (default: $LUTLEARN_NIMA_WEIGHTS, else idealo's in the user cache, "
                                   "else downloaded into it).")

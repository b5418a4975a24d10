"""Options shared by several commands, defined once so every command spells them alike."""

import click

output_option = click.option(
    "-o", "--output", "--out", "output", required=True, type=click.Path(dir_okay=False),
    help="Output file; the format follows the extension.",
)
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Random seed (training is deterministic under it).")
size_option = click.option(
    "--size", type=click.IntRange(2, 256), default=33, show_default=True, help="LUT nodes per axis for .cube export.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")

"""``lutlearn score``: NIMA aesthetic scores of images."""

import json

import click

from lutlearn.cli.options import json_option, weights_option


@click.command("score")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@weights_option
@click.option("--padding", type=click.Choice(["keras216", "tfkeras"]), default=None,
              help="Conv padding: keras216 is the graph idealo's weights were trained in; tfkeras is today's "
                   "keras.applications MobileNet. [default: the weights' own, keras216]")
@click.option("--batch-size", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Images per compiled call.")
@json_option
@click.pass_context
def score(ctx, images, weights, padding, batch_size, as_json):
    """Score IMAGES for aesthetics with NIMA (idealo's MobileNet, AVA; or your own from `lutlearn nima train`).

    Prints one line per image: path, mean rating (1..10) and its standard
    deviation, tab-separated. With --json: a list of {path, mean, std,
    distribution} objects ({path, error} for an unreadable image). Images are
    resized to 224x224 exactly as idealo's predictor does. Unreadable images
    are reported and the exit status is 1, but the others are still scored.

    \b
        $ lutlearn score photo.jpg
        $ lutlearn score --json shots/*.jpg > scores.json
    """
    from lutlearn.cli import one_line
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

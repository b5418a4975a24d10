"""``lutlearn chart``: write the identity Hald chart."""

import click

from lutlearn.cli.options import output_option, overwrite_option


@click.command("chart")
@output_option()
@click.option("--level", type=click.IntRange(2, 16), default=16, show_default=True,
              help="Hald level L: an L³×L³ image of L² nodes per axis. 16 = all 2^24 8-bit colours.")
@click.option("--bit-depth", type=click.Choice(["8", "16"]), default=None,
              help="Force the PNG bit depth (default: 8 when every node is a whole 8-bit code, else 16).")
@overwrite_option
def chart(output, level, bit_depth, overwrite):
    """Write the identity all-colours chart to grade in your editor.

    Pixels are in standard Hald order: red varies fastest, then green, then
    blue; pixel i = y*W + x holds (i mod N, i div N mod N, i div N²)/(N-1)
    with N = L² nodes per axis. Level 16 holds each of the 2^24 8-bit colours
    exactly once.

    \b
        $ lutlearn chart -o chart.png              # 4096x4096, 8-bit
        $ lutlearn chart --level 8 -o chart8.png   # 512x512, 16-bit
    """
    from lutlearn.images import check_output
    from lutlearn.luts.chart import write_chart

    check_output(output, overwrite=overwrite)
    path = write_chart(output, level, bit_depth=int(bit_depth) if bit_depth else None)
    click.echo(str(path))


COMMANDS = [chart]

"""``lutlearn looks``: list, add, show and remove looks (bundled and the user's)."""

import json

import click

from lutlearn.cli.options import json_option, overwrite_option


@click.group("looks", invoke_without_command=True)
@json_option
@click.pass_context
def looks(ctx, as_json):
    """List the looks (alone), or add, show and remove them.

    Bundled looks ship with lutlearn; user looks live in
    $LUTLEARN_DATA_DIR/looks, else $XDG_DATA_HOME/lutlearn/looks, else
    ~/.local/share/lutlearn/looks. Any look name works with
    `lutlearn apply --look NAME` and `lutlearn suggest --looks NAME`.

    \b
        $ lutlearn looks                       # name, origin, description
        $ lutlearn looks add portra portra.cube --description "Portra 400, from my editor"
        $ lutlearn looks show teal_orange --preview teal_orange.png
        $ lutlearn looks remove portra
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_looks_cmd, as_json=as_json)


@looks.command("list")
@json_option
def list_looks_cmd(as_json):
    """List every look: name, origin (bundled or user) and description.

    With --json: a list of {name, origin, kind, description, made,
    delta_e2000, file} objects (delta_e2000: {mean, p95, max} or null).
    """
    from lutlearn.looks.library import list_looks

    infos = list_looks()
    if as_json:
        click.echo(json.dumps([info.to_dict() for info in infos], indent=1))
        return
    width = max([len(info.name) for info in infos] + [4])
    for info in infos:
        click.echo(f"{info.name:{width}s}  {info.origin:7s}  {info.description}")
    if not infos:
        click.echo("no looks found", err=True)


@looks.command("add")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--description", default="", help="One line saying what the look does.")
def add_look_cmd(name, file, description):
    """Add FILE to your looks as NAME: a learned model .npz, a .cube, or a Hald .png/.tif.

    The file is loaded and tried first; it is copied into your data folder,
    so the original may move. Prints the stored file's path.

    \b
        $ lutlearn looks add kodachrome kodachrome.png --description "Kodachrome 64"
    """
    from lutlearn.looks.library import add_look

    info = add_look(name, file, description)
    click.echo(str(info.entry))


@looks.command("show")
@click.argument("name")
@click.option("--preview", type=click.Path(dir_okay=False),
              help="Write OUT.png: the built-in test image, original beside the look.")
@overwrite_option
@json_option
def show_look_cmd(name, preview, overwrite, as_json):
    """Print what is known about the look NAME.

    With --json: the `looks list` object plus `model` and `training` (learned
    looks), `size` (LUTs) or `error` (an unreadable file).

    \b
        $ lutlearn looks show sepia --preview sepia.png
    """
    from lutlearn.images import check_output
    from lutlearn.looks.library import load_look, look_details

    if preview:
        check_output(preview, overwrite=overwrite)
    details = look_details(name)
    if as_json:
        click.echo(json.dumps(details, indent=1))
    else:
        for key in ("name", "origin", "kind", "description", "made", "delta_e2000", "model", "size", "file", "error"):
            if details.get(key) not in (None, ""):
                value = details[key]
                if key == "delta_e2000":
                    value = "  ".join(f"{k} {v:.3f}" for k, v in value.items())
                click.echo(f"{key:12s} {value}")
    if preview:
        from lutlearn.rank.sheet import write_look_preview

        path = write_look_preview(preview, load_look(name), name)
        click.echo(str(path), err=as_json)


@looks.command("remove")
@click.argument("name")
def remove_look_cmd(name):
    """Remove your look NAME (bundled looks cannot be removed). Prints the file removed."""
    from lutlearn.looks.library import remove_look

    click.echo(str(remove_look(name)))


COMMANDS = [looks]

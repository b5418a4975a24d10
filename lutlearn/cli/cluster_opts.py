"""``--cluster ADDRESS`` on ``apply``, ``score`` and ``suggest``: the options, and running a job on the cluster.

Nothing here imports :mod:`lutlearn.cluster` (nor Ray): a command calls
:func:`run_job` only when ``--cluster`` (or ``$LUTLEARN_CLUSTER``) gives an
address, and only then is :mod:`lutlearn.cluster.jobs` imported. Without it
the commands run exactly as before.
"""

from __future__ import annotations

import json

import click

__all__ = [
    "ENV_VAR",
    "address",
    "cluster_option",
    "cpus_per_worker_option",
    "pin_option",
    "refuse",
    "results_option",
    "run_job",
]

ENV_VAR = "LUTLEARN_CLUSTER"  # also lutlearn.cluster.session.ENV_VAR (not imported here: it would import the stage)

cluster_option = click.option(
    "--cluster", "cluster", default=None, envvar=ENV_VAR, show_envvar=True, metavar="ADDRESS",
    help="Run on a Ray cluster (pip install 'lutlearn[cluster]'): local (start one on this machine), HOST:PORT "
         "(a GCS), ray://HOST:PORT (Ray Client) or auto. Inputs may then also be list files (.txt/.lst/.list) and "
         "fsspec URIs (s3://, gs://, file://); re-running the same command resumes it. See README: Millions of "
         "photos.")
results_option = click.option(
    "-o", "--output", "results", type=click.Path(), default=None,
    help="With --cluster: the results, a .jsonl or .parquet file (rows as --json prints them), or a folder of "
         "JSON Lines shards (ending in /, for millions of photos).")
cpus_per_worker_option = click.option(
    "--cpus-per-worker", type=click.IntRange(1, 256), default=1, show_default=True,
    help="With --cluster, on nodes without GPUs: CPUs (pinned cores) per NIMA actor.")
pin_option = click.option("--no-pin-cores", "pin_cores", flag_value=False, default=True, hidden=True,
                          help="With --cluster: leave NIMA actors unpinned (to measure what pinning buys).")


def address(cluster: str | None) -> str | None:
    """The cluster address given (option or environment), or None for this machine alone."""
    value = (cluster or "").strip()
    return value or None


def refuse(**given) -> None:
    """A usage error naming the first option given that ``--cluster`` does not take (or that needs it)."""
    for name, value in given.items():
        if value not in (None, False, ()):
            raise click.UsageError(name)


def _on_result(row: dict) -> None:
    from lutlearn.cli import one_line
    from lutlearn.progress import say

    if row.get("error"):
        say(f"error: {one_line(row['error'])}")
    for note in row.get("warnings", ()) if "status" in row else ():  # apply rows; suggest's are per look
        say(f"warning: {one_line(note)}")


def run_job(ctx: click.Context, name: str, *args, timings: bool = False, echo_written: bool = False, **kwargs):
    """Run ``lutlearn.cluster.jobs.<name>(*args, **kwargs)``; print the summary; exit 1 if any photo failed.

    Results go where the job writes them (the results file, the output folder); stdout gets the results
    file (score, suggest) or each output written (apply). A Ctrl-C keeps what is finished.
    """
    from lutlearn.cluster import jobs
    from lutlearn.progress import say

    def on_result(row):
        _on_result(row)
        if echo_written and row.get("status") == "written":
            click.echo(row["dst"])

    try:
        report = getattr(jobs, name)(*args, on_result=on_result, **kwargs)
    except KeyboardInterrupt:
        say("interrupted: finished work is kept; run the same command again to resume")
        raise
    if not echo_written:
        click.echo(report.output)
    click.echo(report.summary(), err=True)
    if timings:
        click.echo("timings " + json.dumps({"layout": report.layout, "todo": report.total - report.before,
                                            **report.seconds}), err=True)
    if report.failed:
        ctx.exit(1)

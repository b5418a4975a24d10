"""Run lutlearn's apply, score and suggest over millions of photos on a Ray cluster (issue 11).

The stage above looks, nima and rank, below cli. Nothing here imports Ray at
import time: Ray is imported inside :func:`lutlearn.cluster.session.connect`,
:mod:`~lutlearn.cluster.plans` and :func:`lutlearn.cluster.engine.run_chunks`,
which only run when ``--cluster`` (or ``$LUTLEARN_CLUSTER``) is given
(:mod:`lutlearn.cli.cluster_opts`), so the single-machine commands pay
nothing for it; no other stage imports Ray (pyproject's import-linter contract).

Modules:

- :mod:`~lutlearn.cluster.sources`: inputs -> photo keys (files, folders,
  globs, list files, fsspec URIs); local copies on workers.
- :mod:`~lutlearn.cluster.outputs`: deterministic output names, atomic
  publication, what a re-run skips.
- :mod:`~lutlearn.cluster.results`: the resumable JSON Lines / Parquet results file.
- :mod:`~lutlearn.cluster.pinning`: one worker process, ``num_cpus`` cores.
- :mod:`~lutlearn.cluster.session`: ``--cluster`` address, probe, connect.
- :mod:`~lutlearn.cluster.workers`: NIMA actors and LUT tasks (worker side).
- :mod:`~lutlearn.cluster.jobs`: :func:`run_score`, :func:`run_suggest`,
  :func:`run_apply` (driver side).

The ``--cluster`` option of ``lutlearn apply|score|suggest`` lives in
:mod:`lutlearn.cli.cluster_opts`.
"""

from lutlearn.cluster.jobs import ApplyOptions, JobReport, run_apply, run_score, run_suggest
from lutlearn.cluster.session import ENV_VAR, cluster_address

__all__ = ["ENV_VAR", "ApplyOptions", "JobReport", "cluster_address", "run_apply", "run_score", "run_suggest"]

"""Run lutlearn's apply, score and suggest over millions of photos on a Ray cluster (issue 11).

Prototype of the stage package ``lutlearn/cluster/`` (above looks, nima and
rank; below cli). Nothing here imports Ray at import time: Ray is imported
inside :func:`lutlearn.cluster.session.connect` and the job builders, which
only run when ``--cluster`` (or ``$LUTLEARN_CLUSTER``) is given, so the
single-machine commands pay nothing for it.

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
- :mod:`~lutlearn.cluster.cli`: the ``--cluster`` variants of the three commands.
"""

from lutlearn.cluster.jobs import ApplyOptions, JobReport, run_apply, run_score, run_suggest
from lutlearn.cluster.session import ENV_VAR, cluster_address

__all__ = ["ENV_VAR", "ApplyOptions", "JobReport", "cluster_address", "run_apply", "run_score", "run_suggest"]

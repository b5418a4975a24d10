"""Results of a score or suggest job: one JSON Lines or Parquet file, or a folder of shards; resumable.

Rows are the single-machine commands' JSON objects
(:meth:`lutlearn.nima.score.NimaScore.to_dict`,
:meth:`lutlearn.rank.suggest.PhotoRanking.to_dict`), one per photo.

Two forms, chosen by the path:

- **one file** (``RESULTS.jsonl``, ``.ndjson`` or ``.parquet``): while the
  job runs, the driver saves each batch of rows it receives as a small JSON
  Lines *part* (atomically) in ``RESULTS.parts/``; when every photo has a
  row, :meth:`ResultStore.finish` writes the file (atomically, rows in input
  order) and removes the parts. The rows are gathered in the driver's memory
  for that: right for up to about a million photos.
- **a folder of shards** (a path ending in ``/``, or an existing folder): the
  parts *are* the result (``part-*.jsonl``, rows in completion order, each
  naming its photo), and ``_SUCCESS`` marks it finished. Nothing is gathered:
  the driver keeps only which photos are done. This is the form for millions.

If a job is interrupted, its parts stay; the same command run again reads
which photos have a good row, schedules the others (a photo whose row is an
``error`` is tried again) and finishes. A row that a re-run replaced is
removed from the older shard.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from lutlearn.errors import LutlearnError
from lutlearn.images.atomic import atomic_write

__all__ = ["RESULT_FORMATS", "SUCCESS", "ResultStore", "score_schema", "suggest_schema"]

RESULT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
SUCCESS = "_SUCCESS"


def score_schema():
    """Arrow schema of ``lutlearn score`` rows."""
    import pyarrow as pa

    return pa.schema([("path", pa.string()), ("mean", pa.float64()), ("std", pa.float64()),
                      ("distribution", pa.list_(pa.float64())), ("error", pa.string())])


def suggest_schema():
    """Arrow schema of ``lutlearn suggest`` rows (``ranking`` best score first; :meth:`Entry.to_dict
    <lutlearn.rank.suggest.Entry.to_dict>`).
    """
    import pyarrow as pa

    ranked = pa.struct([("look", pa.string()), ("strength", pa.float64()), ("mean", pa.float64()),
                        ("std", pa.float64()), ("gain", pa.float64()), ("score", pa.float64()),
                        ("warnings", pa.list_(pa.string()))])
    return pa.schema([("photo", pa.string()), ("original", pa.struct([("mean", pa.float64()), ("std", pa.float64())])),
                      ("ranking", pa.list_(ranked)), ("error", pa.string())])


class ResultStore:
    """One results file plus its ``.parts`` folder, or a folder of shards.

    Args:
        path: ``.jsonl``/``.ndjson``/``.parquet`` file, or a folder (trailing ``/``); a local path.
        key: the field naming the photo ("path" for score, "photo" for suggest).
        schema: a function returning the Arrow schema (for Parquet).

    Raises:
        LutlearnError: another extension, or a parent folder that does not exist.
    """

    def __init__(self, path: str | os.PathLike, key: str, schema):
        text = os.fspath(path)
        self.path = Path(path)
        self.sharded = text.endswith(("/", os.sep)) or self.path.is_dir()
        self.format = "jsonl" if self.sharded else RESULT_FORMATS.get(self.path.suffix.lower())
        if self.format is None:
            raise LutlearnError(f"{self.path}: results are written as .jsonl or .parquet (or a folder ending in /),"
                                f" not {self.path.suffix or 'a file without extension'!r}")
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise LutlearnError(f"{self.path}: directory {folder} does not exist")
        if not self.sharded and self.path.is_dir():
            raise LutlearnError(f"{self.path}: is a folder")
        if self.format == "parquet":
            try:
                import pyarrow.parquet  # noqa: F401
            except ImportError:
                raise LutlearnError(f"{self.path}: Parquet results need pyarrow: pip install 'lutlearn[cluster]'"
                                    " (or write .jsonl)") from None
        self.key, self.schema = key, schema
        self.parts = self.path if self.sharded else self.path.with_name(self.path.name + ".parts")
        self._count = 0
        self._earlier = sorted(self.parts.glob("part-*.jsonl")) if self.parts.is_dir() else []

    def _rows(self, parts: list[Path]) -> Iterator[dict]:
        """Every row of the results file (one-file form) and of ``parts``, oldest first."""
        if not self.sharded and self.path.is_file():
            yield from self._read_final()
        for part in parts:
            for line in part.read_text(encoding="utf-8").splitlines():
                yield json.loads(line)

    def scan(self) -> tuple[set[str], dict[str, str]]:
        """What earlier runs left: (photos with a good row, {photo: error} for those whose last row failed)."""
        good: set[str] = set()
        errors: dict[str, str] = {}
        for row in self._rows(self._earlier):
            if "error" in row:
                errors[row[self.key]] = row["error"]
                good.discard(row[self.key])
            else:
                good.add(row[self.key])
                errors.pop(row[self.key], None)
        return good, errors

    def load(self) -> dict[str, dict]:
        """Every row saved so far by photo (the latest wins), this run's parts included; in memory."""
        parts = sorted(self.parts.glob("part-*.jsonl")) if self.parts.is_dir() else []
        return {row[self.key]: row for row in self._rows(parts)}

    def _read_final(self) -> list[dict]:
        try:
            if self.format == "jsonl":
                return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]
            import pyarrow.parquet as pq

            return [{k: v for k, v in row.items() if v is not None} for row in pq.read_table(self.path).to_pylist()]
        except (OSError, ValueError) as e:
            raise LutlearnError(f"{self.path}: cannot read the results of the earlier run ({e})") from None

    def add(self, rows: Iterable[dict]) -> None:
        """Save a batch of rows as one part file (atomically)."""
        rows = list(rows)
        if not rows:
            return
        self.parts.mkdir(exist_ok=True)
        (self.parts / SUCCESS).unlink(missing_ok=True)
        self._count += 1
        name = f"part-{time.time_ns():020d}-{os.getpid()}-{self._count:06d}.jsonl"
        with atomic_write(self.parts / name) as tmp:
            Path(tmp).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    def finish(self, keys: list[str], redone: set[str] = frozenset()) -> Path:
        """Make the result final.

        Args:
            keys: every photo of the job, in input order.
            redone: photos this run processed again (their older rows are dropped).

        Raises:
            LutlearnError: one file: a photo has no row.
        """
        if self.sharded:
            self._drop_replaced(redone)
            with atomic_write(self.parts / SUCCESS) as tmp:
                Path(tmp).write_text(json.dumps({"photos": len(keys)}) + "\n", encoding="utf-8")
            return self.path
        rows = self.load()
        missing = [k for k in keys if k not in rows]
        if missing:
            raise LutlearnError(f"{self.path}: {len(missing)} photos have no result yet (first: {missing[0]})")
        with atomic_write(self.path) as tmp:
            ordered = (rows[k] for k in keys)
            if self.format == "jsonl":
                with open(tmp, "w", encoding="utf-8") as f:
                    f.writelines(json.dumps(row) + "\n" for row in ordered)
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                pq.write_table(pa.Table.from_pylist(list(ordered), schema=self.schema()), tmp)
        shutil.rmtree(self.parts, ignore_errors=True)
        return self.path

    def _drop_replaced(self, redone: set[str]) -> None:
        """Rewrite the shards of earlier runs without the rows of photos this run did again."""
        for part in self._earlier if redone else ():
            lines = part.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [line for line in lines if json.loads(line)[self.key] not in redone]
            if len(kept) == len(lines):
                continue
            if kept:
                with atomic_write(part) as tmp:
                    Path(tmp).write_text("".join(kept), encoding="utf-8")
            else:
                part.unlink()

"""The prepared cache: a Kaggle-layout dataset turned into one memory-mappable array plus an index.

Layout of a prepared folder::

    landmarks.npy   (total_frames, K, 3) float16 or float32, every sequence's frames back to back
    index.json      task, selection, stored positions, dtype, source root and one row per sequence:
                    the csv row (sequence_id, participant_id, phrase | sign, path, file_id for
                    fingerspelling), offset and frames in landmarks.npy, and all_missing (no stored
                    point detected in any frame: such rows stay in the store for datasets to skip)

Only the K points a selection reads are stored. For fingerspelling these are the 130 points of
``fingerspelling-130`` in selection order. For isolated signs they are the *source* points of
``signs-100`` (sorted positions among the 543); the five averaged points are computed on reading
(:meth:`PreparedStore.select`), so an experiment may change how it averages without re-preparing.

Preparation runs in parallel over work units (one wide file, or a batch of long files). Each unit is
written to ``shards/`` atomically, data first and its json last, so an interrupted run resumes by
skipping finished units. The merge copies shard by shard into the memmap and writes ``index.json``
last: its presence means the store is complete. Nothing ever holds more than one unit in memory.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from signa.data.keypoints import parse_layout
from signa.data.labelled import is_labelled_folder, labelled_rows, write_label_map
from signa.data.layout import FINGERSPELLING_130, N_LANDMARKS, SIGNS_100, Selection, get_selection
from signa.data.readers import iter_kaggle_wide, parquet_kind, read_csv_table, read_kaggle_long, read_single
from signa.data.readers.common import require_finite
from signa.data.store_guard import finished_match, reusable_store, say, source_key, store_lock
from signa.data.units import run_units
from signa.errors import SignaError
from signa.files import atomic_path, output_folder, write_json_atomic

STORE_VERSION = 2  # 2: index.json records the source key (store_guard)
DTYPES = ("float16", "float32")
FINGERSPELLING_COLUMNS = ("path", "file_id", "sequence_id", "participant_id", "phrase")
SIGNS_COLUMNS = ("path", "participant_id", "sequence_id", "sign")
LONG_FILES_PER_UNIT = 64


@dataclass(frozen=True)
class KaggleLayout:
    """A Kaggle data set layout a store is prepared from: the csv columns that identify it, the
    points the store keeps, and whether one landmark file holds many sequences (``wide``)."""

    task: str
    columns: tuple[str, ...]
    selection: Selection
    positions: np.ndarray  # among the 543
    wide: bool

    @property
    def files_per_unit(self) -> int:
        return 1 if self.wide else LONG_FILES_PER_UNIT


LAYOUTS = {
    layout.task: layout
    for layout in (
        KaggleLayout(
            "fingerspelling",
            FINGERSPELLING_COLUMNS,
            FINGERSPELLING_130,
            FINGERSPELLING_130.plain_positions,
            True,
        ),
        KaggleLayout("signs", SIGNS_COLUMNS, SIGNS_100, SIGNS_100.source_positions, False),
    )
}


@dataclass(frozen=True)
class Unit:
    """One piece of work: the csv rows whose landmarks live in ``paths`` (one wide or many long files)."""

    number: int
    paths: tuple[str, ...]
    rows: tuple[dict, ...]


def detect_task(columns: Iterable[str]) -> str | None:
    """``fingerspelling`` or ``signs`` from a Kaggle csv header, None if neither."""
    columns = set(columns)
    return next((layout.task for layout in LAYOUTS.values() if set(layout.columns) <= columns), None)


def task_selection(task: str) -> tuple[Selection, np.ndarray]:
    """The selection of a task and the positions among the 543 that the store keeps."""
    return LAYOUTS[task].selection, LAYOUTS[task].positions


def prepare_dataset(
    root: str | Path,
    out: str | Path,
    task: str | None = None,
    dtype: str = "float16",
    workers: int = 1,
    tables: Iterable[str] = ("train.csv",),
    progress: bool = True,
    layout: str | Path | None = None,
) -> PreparedStore:
    """Prepare the Kaggle-layout dataset at ``root`` into ``out`` and return the store.

    ``tables`` are csv files under ``root`` (e.g. add ``supplemental_metadata.csv``). The task is
    detected from their columns; ``task`` only confirms it. A folder without any of the tables is
    read as sign folders (:mod:`signa.data.labelled`), and its label map is written beside the store;
    ``layout`` describes the flat vectors of ``.npy`` sequences (:mod:`signa.data.keypoints`).
    Re-running on a finished ``out`` returns the store if it was made from exactly these files and
    options (:mod:`signa.data.store_guard`), and rebuilds it otherwise; re-running on an interrupted
    one resumes. Concurrent calls on one ``out`` take turns. ``workers > 1`` starts fresh ("spawn")
    processes, since forking a process that holds Arrow or torch thread pools can deadlock; a script
    calling this must therefore do so under ``if __name__ == "__main__":``.
    """
    root, out, tables = Path(root), Path(out), list(tables)
    if dtype not in DTYPES:
        raise SignaError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    if workers < 1:
        raise SignaError(f"workers must be at least 1, not {workers}")
    labelled = is_labelled_folder(root, tables)
    rows, detected = (labelled_rows(root), "signs") if labelled else _read_tables(root, tables)
    if task is not None and task != detected:
        raise SignaError(f"the csv columns describe a {detected} dataset, not {task}", root)
    selection, positions = task_selection(detected)
    units = _plan_units(rows, root, detected)
    plan = {
        "version": STORE_VERSION,
        "task": detected,
        "selection": selection.name,
        "positions": positions.tolist(),
        "dtype": dtype,
        "root": str(root.resolve()),
        "source": source_key(root, [] if labelled else tables, (r["path"] for r in rows)),
    }
    if layout is not None:
        plan["layout"] = parse_layout(layout).spec
    if finished_match(out, plan):  # index.json is written last: a finished store needs no lock
        return PreparedStore(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # inside the lock: only the process that made the folder removes it after a failed first attempt
    with store_lock(out), output_folder(out, keep=lambda folder: finished_parts(folder) > 0):
        if not reusable_store(out, plan):
            if labelled:
                write_label_map(out, rows)
            _prepare(out, root, plan, units, workers, progress)
    return PreparedStore(out)


def _prepare(out: Path, root: Path, plan: dict, units: list[Unit], workers: int, progress: bool) -> None:
    _start_or_resume(out, plan, units)
    pending = [u for u in units if not _shard_done(out, u)]
    if not progress:  # no bar: a plain line, so a job log shows why the first run takes a while
        say(f"{out}: preparing {sum(len(u.rows) for u in units)} sequences of {root}")
    positions = np.asarray(plan["positions"])
    job = _UnitJob(str(root), str(out / "shards"), positions, plan["dtype"], plan.get("layout"))
    run_units(job, pending, workers, progress, total=len(units))
    _merge(out, plan, units)


def finished_parts(out: Path) -> int:
    """How many finished parts (work units) a stopped preparation left in ``out`` to resume from;
    with any, its folder stays."""
    return sum(1 for _ in (out / "shards").glob("*.json"))


def _read_tables(root: Path, tables: Iterable[str]) -> tuple[list[dict], str]:
    rows, task = [], None
    for name in tables:
        path = root / name
        listed = read_csv_table(path, ("path", "sequence_id"))
        if not listed:
            raise SignaError("csv lists no sequences", path)
        detected = detect_task(listed[0].keys())
        if detected is None:
            raise SignaError(
                f"csv columns fit neither {','.join(FINGERSPELLING_COLUMNS)} nor {','.join(SIGNS_COLUMNS)}",
                path,
            )
        if task not in (None, detected):
            raise SignaError(f"csv describes a {detected} dataset but an earlier table a {task} one", path)
        task = detected
        rows += read_csv_table(path, LAYOUTS[detected].columns)
    return rows, task


def _plan_units(rows: list[dict], root: Path, task: str) -> list[Unit]:
    """Group csv rows by file: one unit per wide file, or per batch of long files."""
    by_path: dict[str, list[dict]] = {}
    for row in rows:
        by_path.setdefault(row["path"], []).append(row)
    paths = list(by_path)
    step = LAYOUTS[task].files_per_unit
    units = []
    for number, start in enumerate(range(0, len(paths), step)):
        chunk = tuple(paths[start : start + step])
        units.append(Unit(number, chunk, tuple(r for p in chunk for r in by_path[p])))
    return units


def _fingerprint(plan: dict, units: list[Unit]) -> str:
    text = json.dumps([plan, [[u.paths, [r["sequence_id"] for r in u.rows]] for u in units]])
    return hashlib.sha256(text.encode()).hexdigest()


def _start_or_resume(out: Path, plan: dict, units: list[Unit]) -> None:
    """Write ``plan.json``; refuse to resume a folder prepared from another plan."""
    plan_file = out / "plan.json"
    full = {**plan, "fingerprint": _fingerprint(plan, units)}
    if plan_file.is_file():
        if json.loads(plan_file.read_text()) != full:
            raise SignaError(
                "folder holds an interrupted preparation of other data or options; use a new folder", out
            )
        return
    (out / "shards").mkdir(parents=True, exist_ok=True)
    write_json_atomic(plan_file, full)


def _shard_paths(shards: Path, number: int) -> tuple[Path, Path]:
    return shards / f"{number:06d}.bin", shards / f"{number:06d}.json"


def _shard_done(out: Path, unit: Unit) -> bool:
    return _shard_paths(out / "shards", unit.number)[1].is_file()


@dataclass(frozen=True)
class _UnitJob:
    """What a worker needs to turn one unit into a shard (picklable for multiprocessing)."""

    root: str
    shards: str
    positions: np.ndarray
    dtype: str
    layout: str | None = None

    def __call__(self, unit: Unit) -> int:
        data_path, rows_path = _shard_paths(Path(self.shards), unit.number)
        rows = []
        with atomic_path(data_path) as tmp, open(tmp, "wb") as handle:
            for row, coords in self._sequences(unit):
                require_finite(coords, Path(self.root) / row["path"], f"sequence {row['sequence_id']}")
                data = coords.astype(self.dtype)
                rows.append({**row, "frames": len(data), "all_missing": bool(np.isnan(coords).all())})
                handle.write(data.tobytes())
        write_json_atomic(rows_path, rows)
        return unit.number

    def _sequences(self, unit: Unit):
        """Yield (csv row, (T, K, 3) float32 stored points) for every row of the unit, in row order."""
        for path in unit.paths:
            file = Path(self.root) / path
            rows = [r for r in unit.rows if r["path"] == path]
            if file.suffix.lower() != ".parquet":
                for row in rows:
                    yield row, read_single(file, self.layout).landmarks[:, self.positions]
            elif parquet_kind(file) == "kaggle-wide":
                yield from self._wide(file, rows)
            else:
                for row in rows:
                    yield row, read_kaggle_long(file, row["sequence_id"]).landmarks[:, self.positions]

    def _wide(self, file: Path, rows: list[dict]):
        by_id = {r["sequence_id"]: r for r in rows}
        seen = set()
        for sid, _frames, coords in iter_kaggle_wide(file, self.positions, by_id):
            seen.add(sid)
            yield by_id[sid], coords
        absent = [s for s in by_id if s not in seen]
        if absent:
            raise SignaError(
                f"sequence id(s) {', '.join(absent[:5])} listed in the csv are not in the file", file
            )


def _merge(out: Path, plan: dict, units: list[Unit]) -> None:
    """Copy every shard into one memmap, then write ``index.json`` and drop the shards."""
    shards = out / "shards"
    shard_rows = [json.loads(_shard_paths(shards, u.number)[1].read_text()) for u in units]
    total = sum(r["frames"] for rows in shard_rows for r in rows)
    shape = (total, len(plan["positions"]), 3)
    index, offset = [], 0
    with atomic_path(out / "landmarks.npy") as tmp:
        array = np.lib.format.open_memmap(tmp, mode="w+", dtype=plan["dtype"], shape=shape)
        for unit, rows in zip(units, shard_rows, strict=True):
            frames = sum(r["frames"] for r in rows)
            data = np.fromfile(_shard_paths(shards, unit.number)[0], dtype=plan["dtype"])
            array[offset : offset + frames] = data.reshape(frames, *shape[1:])
            for row in rows:
                index.append({**row, "offset": offset})
                offset += row["frames"]
        array.flush()
        del array
    write_json_atomic(out / "index.json", {**plan, "rows": index})
    shutil.rmtree(shards)
    (out / "plan.json").unlink()


class PreparedStore:
    """Read access to a prepared folder; ``store[i]`` is sequence ``i`` as float32 ``(T, K, 3)``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        index_file = self.path / "index.json"
        if not index_file.is_file():
            raise SignaError("not a prepared store (no index.json); run `signa data prepare`", self.path)
        header = json.loads(index_file.read_text())
        self.task: str = header["task"]
        self.selection: Selection = get_selection(header["selection"])
        self.positions = np.asarray(header["positions"])  # (K,) stored points among the 543
        self.dtype: str = header["dtype"]
        self.index: list[dict] = header["rows"]
        self.landmarks = np.load(self.path / "landmarks.npy", mmap_mode="r")  # (total_frames, K, 3)

    @property
    def rows(self) -> list[dict]:
        """The index rows (same as ``index``)."""
        return self.index

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> np.ndarray:
        """(T, K, 3) float32 stored points of sequence ``i`` (NaN = missing), a writable copy."""
        row = self.index[i]
        return np.array(self.landmarks[row["offset"] : row["offset"] + row["frames"]], np.float32)

    def select(self, i: int) -> np.ndarray:
        """(T, len(selection), 3): sequence ``i`` through the selection, averaged points included.

        An averaged point is the plain mean of its sources, so it is NaN when any source is; points
        outside its sources never leak in (a product with the full averaging matrix would spread NaN).
        """
        stored = self[i]  # (T, K, 3)
        plain_rows, averaged_rows, weights, order = self._gather
        plain = np.take(stored, plain_rows, axis=1)  # (T, P, 3)
        if len(weights):
            sources = np.take(stored, averaged_rows.ravel(), axis=1)  # (T, A * G, 3)
            averaged = (sources.reshape(len(stored), *weights.shape, 3) * weights[..., None]).sum(axis=2)
            plain = np.concatenate([plain, averaged], axis=1)  # (T, P + A, 3)
        return plain if order is None else np.take(plain, order, axis=1)

    def full(self, i: int) -> np.ndarray:
        """(T, 543, 3) with the stored points in place and NaN elsewhere."""
        landmarks = np.full((self.index[i]["frames"], N_LANDMARKS, 3), np.nan, np.float32)
        landmarks[:, self.positions] = self[i]
        return landmarks

    @cached_property
    def _gather(self):
        """Index plan of :meth:`select`: plain points first, then averaged ones, then ``order``.

        Returns the stored rows of the plain points (P,), the (A, G) source rows of the averaged
        points padded to the largest group G by repeating a group's first source with weight 0
        (a pad adds 0, unless that source is NaN, and then the mean is NaN anyway), their (A, G)
        weights, and the permutation back to selection order (None when it is the identity).
        """
        sources = self.selection.sources
        row_of = {int(p): r for r, p in enumerate(self.positions)}
        plain = [k for k, group in enumerate(sources) if len(group) == 1]
        averaged = [k for k, group in enumerate(sources) if len(group) > 1]
        width = max((len(sources[k]) for k in averaged), default=0)
        rows = np.zeros((len(averaged), width), np.int64)
        weights = np.zeros((len(averaged), width), np.float32)
        for a, k in enumerate(averaged):
            members = [row_of[p] for p in sources[k]]
            rows[a] = members + members[:1] * (width - len(members))
            weights[a, : len(members)] = 1.0 / len(members)
        plain_rows = np.array([row_of[sources[k][0]] for k in plain], np.int64)
        layout = plain + averaged
        order = None if layout == list(range(len(sources))) else np.argsort(layout)
        return plain_rows, rows, weights, order

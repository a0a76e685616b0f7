"""Readers: every landmark file kind SIGNA accepts, turned into one canonical form.

The canonical form is a :class:`LandmarkSequence` whose ``landmarks`` are float32 ``(T, 543, 3)``
in the Kaggle order of :mod:`signa.data.layout`, with NaN wherever nothing was detected.

File kinds:

* Kaggle isolated signs (asl-signs): one *long* parquet per sequence, 543 rows per frame
  (``frame, row_id, type, landmark_index, x, y, z``) — :func:`read_kaggle_long`.
* Kaggle fingerspelling: *wide* parquet files holding many sequences, one row per frame, columns
  ``sequence_id, frame, x_face_0 .. z_right_hand_20`` — :func:`read_kaggle_wide` and
  :func:`iter_kaggle_wide`, which read only the requested columns and row groups.
* pose-format ``.pose`` files of MediaPipe Holistic — :func:`read_pose` (extra ``signa-sl[pose]``).
* ``MP_Data``-style ``.npy`` frames of 1,662 values — :func:`read_npy`.
* The hand-only letters table — :func:`read_letter_poses`.

:func:`read_sequences` picks the reader from the path. Every problem a user can fix raises a
:class:`SignaError` naming the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from signa.data.keypoints import DEFAULT_LAYOUT, KeypointLayout, parse_layout
from signa.data.layout import COORDS, GROUP_SIZES, GROUP_SLICES, GROUPS, N_LANDMARKS, wide_columns
from signa.errors import SignaError

LONG_COLUMNS = ("frame", "type", "landmark_index", "x", "y", "z")
WIDE_KEYS = ("sequence_id", "frame")
NPY_WIDTH = parse_layout(DEFAULT_LAYOUT).width  # 1662: pose (x,y,z,visibility), face, left, right
LETTER_COLUMNS = ("letter", "sample_id", "frame_index")
FILE_SUFFIXES = (".parquet", ".pose", ".npy")
HAND_POINTS = GROUP_SIZES["left_hand"]


@dataclass
class LandmarkSequence:
    """One recorded sequence: ``landmarks`` float32 (T, 543, 3), NaN = not detected."""

    landmarks: np.ndarray
    sequence_id: str
    path: str
    format: str
    meta: dict = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.landmarks)


def require_detections(landmarks: np.ndarray, source: str | Path, sequence_id: str | None = None) -> None:
    """Refuse model input that is empty or has no detected point at all.

    Readers return such sequences unchanged (``signa data inspect`` reports them); the paths that
    feed a model (datasets, predict) call this first.
    """
    what = f"sequence {sequence_id}" if sequence_id is not None else "sequence"
    if len(landmarks) == 0:
        raise SignaError(f"{what} has no frames", source)
    if np.isnan(landmarks).all():
        raise SignaError(f"{what} has no detected landmark in any of its {len(landmarks)} frames", source)


# -- tables -------------------------------------------------------------------------------------------


def read_csv_table(path: str | Path, required_columns: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a csv file as dicts, after checking that ``required_columns`` are present."""
    path = _existing(path)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in required_columns if c not in header]
        if missing:
            raise SignaError(f"csv lacks column(s) {', '.join(missing)} (has: {', '.join(header)})", path)
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if any(row.get(c) in (None, "") for c in required_columns):
            raise SignaError(f"line {line} has an empty value in a required column", path)
    return rows


# -- Kaggle long format (asl-signs) ---------------------------------------------------------------------


def read_kaggle_long(path: str | Path, sequence_id: str | None = None) -> LandmarkSequence:
    """Read one asl-signs style long parquet.

    Rows are placed by ``(type, landmark_index)``, never by row order, so files with another row
    order (SILFA writes pose, face, left, right), other integer dtypes, or parts that were never
    written (they stay NaN) read the same. Frame numbers may start anywhere; frame ``f`` becomes row
    ``f - first_frame`` and the original numbers are kept in ``meta["first_frame"]``.
    """
    path = _existing(path)
    table = _read_parquet_columns(path, LONG_COLUMNS)
    if table.num_rows == 0:
        raise SignaError("long parquet has no rows", path)
    frame_numbers = table["frame"].to_numpy().astype(np.int64)
    positions = _long_positions(table, path)
    first = int(frame_numbers.min())
    n_frames = int(frame_numbers.max()) - first + 1
    landmarks = np.full((n_frames, N_LANDMARKS, 3), np.nan, np.float32)
    coords = np.stack([table[c].to_numpy(zero_copy_only=False) for c in COORDS], axis=-1)
    landmarks[frame_numbers - first, positions] = coords
    meta = {"first_frame": first, "frames_present": int(np.unique(frame_numbers).size)}
    name = path.stem if sequence_id is None else str(sequence_id)
    return LandmarkSequence(landmarks, name, str(path), "kaggle-long", meta)


def _long_positions(table: pa.Table, path: Path) -> np.ndarray:
    """Position among the 543 of each long-format row, from its ``type`` and ``landmark_index``."""
    types = pc.dictionary_encode(table["type"]).combine_chunks()
    names = types.dictionary.to_pylist()
    unknown = [n for n in names if n not in GROUP_SLICES]
    if unknown:
        raise SignaError(f"unknown landmark type(s) {unknown}; expected {', '.join(GROUPS)}", path)
    starts = np.array([GROUP_SLICES[n].start for n in names], np.int64)
    sizes = np.array([GROUP_SIZES[n] for n in names], np.int64)
    codes = types.indices.to_numpy(zero_copy_only=False)
    index = table["landmark_index"].to_numpy().astype(np.int64)
    if ((index < 0) | (index >= sizes[codes])).any():
        raise SignaError("landmark_index outside the range of its type", path)
    return starts[codes] + index


# -- Kaggle wide format (asl-fingerspelling) -------------------------------------------------------------


def read_kaggle_wide(
    path: str | Path,
    sequence_ids: Iterable[str | int] | None = None,
    positions: Sequence[int] | None = None,
) -> list[LandmarkSequence]:
    """Read sequences from a wide multi-sequence parquet, in the order asked (file order if None).

    Only the coordinate columns of ``positions`` (default: all 543) are read; the others are NaN.
    Only the row groups whose ``sequence_id`` statistics can hold a requested id are read.
    """
    path = _existing(path)
    positions = np.arange(N_LANDMARKS) if positions is None else np.asarray(positions)
    wanted = None if sequence_ids is None else [str(s) for s in sequence_ids]
    found = {}
    for sid, frame_numbers, coords in iter_kaggle_wide(path, positions, wanted):
        landmarks = np.full((len(coords), N_LANDMARKS, 3), np.nan, np.float32)
        landmarks[:, positions] = coords
        meta = {"first_frame": int(frame_numbers[0])}
        found[sid] = LandmarkSequence(landmarks, sid, str(path), "kaggle-wide", meta)
    if wanted is None:
        return list(found.values())
    absent = [s for s in wanted if s not in found]
    if absent:
        raise SignaError(f"sequence id(s) {', '.join(absent[:5])} not in the file", path)
    return [found[s] for s in wanted]


def iter_kaggle_wide(
    path: str | Path, positions: Sequence[int], sequence_ids: Iterable[str] | None = None
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(sequence_id, frame_numbers (T,), coords float32 (T, K, 3))`` sorted by frame.

    ``coords`` holds only the K ``positions``. Row groups are read one at a time (a sequence that
    spans a row-group boundary is carried over), so memory stays at one row group plus one sequence.
    Requested ids absent from the file are simply not yielded. The rows of one sequence must be
    contiguous in the file, as in the competition files (sorted by ``sequence_id``).
    """
    path = _existing(path)
    parquet = _open_parquet(path)
    columns = [*WIDE_KEYS, *wide_columns(positions)]
    schema = parquet.schema_arrow  # built on each access: keep one
    _check_columns(schema.names, columns, path, "wide parquet")
    wanted = None if sequence_ids is None else {str(s) for s in sequence_ids}
    groups = _row_groups_for(parquet, schema, wanted, path)
    carry, seen = None, set()
    for group in groups:
        table = parquet.read_row_groups([group], columns=columns)
        ids, frames, coords = _wide_arrays(table, columns[len(WIDE_KEYS) :], wanted)
        if carry is not None:
            rows = zip(carry, (ids, frames, coords), strict=True)
            ids, frames, coords = (np.concatenate(pair) for pair in rows)
        *complete, carry = _split_last(ids, frames, coords)
        yield from _once(_sequences(*complete), seen, path)
    if carry is not None:
        yield from _once(_sequences(*carry), seen, path)


def _once(sequences, seen: set[str], path: Path):
    """Pass sequences through, refusing an id met before (its rows were split apart in the file)."""
    for sequence in sequences:
        if sequence[0] in seen:
            raise SignaError(f"rows of sequence {sequence[0]} are not contiguous in the file", path)
        seen.add(sequence[0])
        yield sequence


def _row_groups_for(parquet: pq.ParquetFile, schema: pa.Schema, wanted: set[str] | None, path: Path):
    """Row groups that may hold one of ``wanted`` ids, judged by min/max statistics when present."""
    every = list(range(parquet.metadata.num_row_groups))
    if wanted is None:
        return every
    column = schema.names.index("sequence_id")  # flat schema: arrow field index = parquet column index
    numeric = pa.types.is_integer(schema.field("sequence_id").type)
    keys = [_id_key(s, numeric, path) for s in wanted]
    chosen = []
    for group in every:
        stats = parquet.metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max or any(stats.min <= key <= stats.max for key in keys):
            chosen.append(group)
    return chosen


def _id_key(sequence_id: str, numeric: bool, path: Path):
    if not numeric:
        return sequence_id
    try:
        return int(sequence_id)
    except ValueError:
        raise SignaError(f"sequence id {sequence_id!r} is not an integer like the file's ids", path) from None


def _wide_arrays(table: pa.Table, coord_columns: list[str], wanted: set[str] | None):
    """(ids str (N,), frames int64 (N,), coords float32 (N, K, 3)) of a table, filtered to ``wanted``."""
    n_points = len(coord_columns) // 3
    ids = np.asarray(table["sequence_id"].to_numpy(zero_copy_only=False)).astype(str)
    keep = slice(None) if wanted is None else np.isin(ids, list(wanted))
    frames = table["frame"].to_numpy().astype(np.int64)[keep]
    flat = np.empty((len(frames), 3 * n_points), np.float32)  # x-block | y-block | z-block
    for j, name in enumerate(coord_columns):
        flat[:, j] = table[name].to_numpy()[keep]
    coords = flat.reshape(len(frames), 3, n_points).transpose(0, 2, 1)  # (N, K, 3)
    return ids[keep], frames, coords


def _split_last(ids, frames, coords):
    """Split rows into (complete sequences..., rows of the last id, which may continue)."""
    if len(ids) == 0:
        return ids, frames, coords, None
    last = ids == ids[-1]
    rest = ~last
    return ids[rest], frames[rest], coords[rest], (ids[last], frames[last], coords[last])


def _sequences(ids, frames, coords):
    """Group rows by id (in order of first appearance) and sort each group by frame, in O(N log N)."""
    if len(ids) == 0:
        return
    order = np.lexsort((frames, ids))  # by id, then frame
    _, starts, counts = np.unique(ids[order], return_index=True, return_counts=True)
    first_rows = np.minimum.reduceat(order, starts)  # where each id first appears in the file
    for g in np.argsort(first_rows):
        rows = order[starts[g] : starts[g] + counts[g]]
        yield str(ids[rows[0]]), frames[rows], np.ascontiguousarray(coords[rows])


# -- pose-format ---------------------------------------------------------------------------------------

POSE_COMPONENTS = {
    "face": "FACE_LANDMARKS",
    "left_hand": "LEFT_HAND_LANDMARKS",
    "pose": "POSE_LANDMARKS",
    "right_hand": "RIGHT_HAND_LANDMARKS",
}


def read_pose(path: str | Path) -> LandmarkSequence:
    """Read a MediaPipe Holistic ``.pose`` file (543, 576 or 586 stored points).

    Pose-world points and refined iris points (face 468-477) are dropped; x and y are divided by
    the header width and height so they match MediaPipe's normalised image coordinates; z is kept
    as stored; masked points become NaN. Only the first person is read.
    """
    path = _existing(path)
    try:
        from pose_format import Pose
    except ImportError:
        raise SignaError(
            "reading .pose files needs pose-format: pip install 'signa-sl[pose]'", path
        ) from None
    try:
        pose = Pose.read(path.read_bytes())
    except Exception as err:  # pose-format raises assorted errors on corrupt input
        raise SignaError(f"not a readable .pose file ({type(err).__name__}: {err})", path) from None
    header = pose.header
    starts = _pose_component_starts(header, path)
    data = np.ma.getdata(pose.body.data)[:, 0].astype(np.float32)  # (T, points, dims)
    mask = np.ma.getmaskarray(pose.body.data)[:, 0].any(axis=-1)  # (T, points)
    landmarks = np.full((len(data), N_LANDMARKS, 3), np.nan, np.float32)
    for group, start in starts.items():
        part = GROUP_SLICES[group]
        source = slice(start, start + GROUP_SIZES[group])
        points = data[:, source, :3].copy()
        points[mask[:, source]] = np.nan
        landmarks[:, part] = points
    landmarks[..., 0] /= np.float32(header.dimensions.width)
    landmarks[..., 1] /= np.float32(header.dimensions.height)
    meta = {"fps": float(pose.body.fps), "width": header.dimensions.width, "height": header.dimensions.height}
    return LandmarkSequence(landmarks, path.stem, str(path), "pose", meta)


def _pose_component_starts(header, path: Path) -> dict[str, int]:
    """Offset of each Holistic component among the stored points."""
    offsets, start = {}, 0
    for component in header.components:
        offsets[component.name] = (start, len(component.points))
        start += len(component.points)
    starts = {}
    for group, name in POSE_COMPONENTS.items():
        if name not in offsets or offsets[name][1] < GROUP_SIZES[group]:
            raise SignaError(f"not a MediaPipe Holistic pose: component {name} missing or short", path)
        starts[group] = offsets[name][0]
    return starts


# -- MP_Data .npy and other flat keypoint vectors -------------------------------------------------------


def read_npy(path: str | Path, layout: str | Path | KeypointLayout | None = None) -> LandmarkSequence:
    """Read flat keypoint vectors: a (width,) frame, a (T, width) array, or a folder ``0.npy, 1.npy ...``.

    ``layout`` (:mod:`signa.data.keypoints`) names the blocks of a frame; the default, ``mp-data``, is
    MP_Data's pose 33x(x,y,z,visibility), face 468x3, left hand 21x3, right hand 21x3. A block
    stored as all zeros was not detected and becomes NaN; visibility is dropped.
    """
    path = _existing(path)
    layout = parse_layout(layout)
    landmarks = layout.to_landmarks(_npy_frames(path, layout), path)
    meta = {} if layout.spec == DEFAULT_LAYOUT else {"layout": layout.spec}
    return LandmarkSequence(landmarks, path.stem, str(path), "npy", meta)


def _npy_frames(path: Path, layout: KeypointLayout) -> np.ndarray:
    if path.is_dir():
        files = sorted((p for p in path.glob("*.npy") if p.stem.isdigit()), key=lambda p: int(p.stem))
        if not files:
            raise SignaError("folder holds no numbered .npy frames (0.npy, 1.npy, ...)", path)
        frames = [_load_npy(p, layout) for p in files]
        several = next((p for p, f in zip(files, frames, strict=True) if f.size != layout.width), None)
        if several is not None:
            raise SignaError(f"a numbered frame file must hold one frame of {layout.width} values", several)
        return np.stack([f.reshape(-1) for f in frames])
    array = _load_npy(path, layout)
    frames = array[None] if array.ndim == 1 else array
    if len(frames) == 0:
        raise SignaError("no frames", path)
    return frames


def _load_npy(path: Path, layout: KeypointLayout) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise SignaError(f"not a readable .npy file ({err})", path) from None
    if array.shape[-1:] != (layout.width,) or array.ndim > 2:
        raise SignaError(
            f"expected {layout.width} values per frame for layout {layout.describe()}, "
            f"found shape {array.shape}; give the file's order with --layout (data.layout)",
            path,
        )
    return array


# -- letters table ----------------------------------------------------------------------------------------


@dataclass
class LetterPoses:
    """Hand-only letter handshapes: ``hands`` float32 (N, 21, 3), one row per detection."""

    letters: np.ndarray  # (N,) str
    frame_index: np.ndarray  # (N,) int
    sample_ids: np.ndarray  # (N,) str
    hands: np.ndarray  # (N, 21, 3)
    path: str

    def __len__(self) -> int:
        return len(self.letters)

    def for_letter(self, letter: str) -> np.ndarray:
        """(n, 21, 3) hands of one letter, in frame_index order."""
        rows = np.flatnonzero(self.letters == letter)
        return self.hands[rows[np.argsort(self.frame_index[rows], kind="stable")]]


def read_letter_poses(path: str | Path) -> LetterPoses:
    """Read the letters table (``letter, sample_id, frame_index, x_0..x_20, y_0..y_20, z_0..z_20``).

    Handedness is not stored in that table; the hands are returned as recorded.
    """
    path = _existing(path)
    coords = [f"{c}_{i}" for c in COORDS for i in range(HAND_POINTS)]
    table = _read_parquet_columns(path, [*LETTER_COLUMNS, *coords])
    flat = np.stack([table[c].to_numpy() for c in coords], axis=1).astype(np.float32)  # (N, 63)
    hands = flat.reshape(-1, 3, HAND_POINTS).transpose(0, 2, 1).copy()  # (N, 21, 3)
    return LetterPoses(
        letters=np.asarray(table["letter"].to_pylist(), dtype=str),
        frame_index=table["frame_index"].to_numpy().astype(np.int64),
        sample_ids=np.asarray(table["sample_id"].to_pylist(), dtype=str),
        hands=hands,
        path=str(path),
    )


def letter_sequences(letters: LetterPoses) -> list[LandmarkSequence]:
    """Each letter detection as a one-frame sequence with the hand in the right-hand slot.

    The table does not store handedness; the right-hand slot is a convention (most frames look like
    a right hand in a mirrored image), recorded in ``meta["handedness"]``.
    """
    sequences = []
    for i in range(len(letters)):
        landmarks = np.full((1, N_LANDMARKS, 3), np.nan, np.float32)
        landmarks[0, GROUP_SLICES["right_hand"]] = letters.hands[i]
        meta = {"letter": str(letters.letters[i]), "handedness": "unknown (placed as right_hand)"}
        sequences.append(
            LandmarkSequence(landmarks, str(letters.sample_ids[i]), letters.path, "letters", meta)
        )
    return sequences


# -- dispatch -------------------------------------------------------------------------------------------


def parquet_kind(path: str | Path) -> str:
    """``kaggle-long``, ``kaggle-wide`` or ``letters`` from a parquet file's columns."""
    path = _existing(path)
    names = set(_open_parquet(path).schema_arrow.names)
    if set(LONG_COLUMNS) <= names:
        return "kaggle-long"
    if set(WIDE_KEYS) <= names and any(n.startswith(("x_face_", "x_left_hand_", "x_pose_")) for n in names):
        return "kaggle-wide"
    if set(LETTER_COLUMNS) <= names:
        return "letters"
    raise SignaError(
        "parquet has neither the long columns (frame, type, landmark_index, x, y, z) nor the wide "
        "columns (sequence_id, frame, x_face_0 ...)",
        path,
    )


def read_sequences(
    path: str | Path, layout: str | Path | KeypointLayout | None = None
) -> list[LandmarkSequence]:
    """Every sequence in ``path``; see :func:`iter_sequences` for the kinds accepted."""
    return list(iter_sequences(path, layout))


def iter_sequences(
    path: str | Path, layout: str | Path | KeypointLayout | None = None
) -> Iterator[LandmarkSequence]:
    """Yield every sequence in ``path``, choosing the reader from its extension and columns.

    ``path`` may be a parquet (long, wide or letters), a ``.pose`` file, a ``.npy`` file, a folder
    of numbered ``.npy`` frames, a Kaggle dataset csv, a folder holding ``train.csv``, or any other
    folder, whose ``.parquet``, ``.pose`` and ``.npy`` files are read (recursively, sorted; a folder of
    numbered ``.npy`` frames is one sequence). Wide files are streamed one row group at a time.
    ``layout`` describes the flat vectors of ``.npy`` files (:mod:`signa.data.keypoints`).
    """
    path = _existing(path)
    if path.is_dir():
        yield from _iter_folder(path, layout)
        return
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from _iter_parquet(path)
    elif suffix == ".pose":
        yield read_pose(path)
    elif suffix == ".npy":
        yield read_npy(path, layout)
    elif suffix == ".csv":
        yield from iter_dataset_sequences(path)
    else:
        raise SignaError("unknown file kind; expected .parquet, .pose, .npy, a .csv or a folder", path)


def _iter_folder(path: Path, layout) -> Iterator[LandmarkSequence]:
    if (path / "train.csv").is_file():
        yield from iter_dataset_sequences(path / "train.csv")
        return
    items = landmark_items(path)
    if not items:
        raise SignaError("folder holds no landmark files (.parquet, .pose, .npy) and no train.csv", path)
    for item in items:
        if item.is_dir():
            yield read_npy(item, layout)
        else:
            yield from iter_sequences(item, layout)


def landmark_items(path: Path) -> list[Path]:
    """The sequences under a folder, sorted: landmark files, and folders of numbered ``.npy`` frames
    (``MP_Data/<sign>/<sequence>/<frame>.npy``), each such folder once and its frames never alone."""
    items = set()
    for file in path.rglob("*"):
        if file.suffix.lower() in FILE_SUFFIXES and file.is_file():
            numbered_frame = file.suffix.lower() == ".npy" and file.stem.isdigit()
            items.add(file.parent if numbered_frame else file)
    return sorted(items)


def _iter_parquet(path: Path, sequence_ids: Sequence[str] | None = None) -> Iterator[LandmarkSequence]:
    kind = parquet_kind(path)
    if kind == "kaggle-long":
        yield read_kaggle_long(path, sequence_ids[0] if sequence_ids else None)
    elif kind == "kaggle-wide":
        yield from _iter_wide_sequences(path, sequence_ids)
    else:
        yield from letter_sequences(read_letter_poses(path))


def _iter_wide_sequences(path: Path, sequence_ids: Sequence[str] | None) -> Iterator[LandmarkSequence]:
    positions = np.arange(N_LANDMARKS)
    seen = set()
    for sid, frame_numbers, coords in iter_kaggle_wide(path, positions, sequence_ids):
        seen.add(sid)
        yield LandmarkSequence(coords, sid, str(path), "kaggle-wide", {"first_frame": int(frame_numbers[0])})
    absent = [s for s in sequence_ids or () if str(s) not in seen]
    if absent:
        raise SignaError(f"sequence id(s) {', '.join(map(str, absent[:5]))} not in the file", path)


def iter_dataset_sequences(csv_path: str | Path) -> Iterator[LandmarkSequence]:
    """Every sequence listed in a Kaggle ``train.csv`` (either competition's columns), file by file."""
    csv_path = Path(csv_path)
    rows = read_csv_table(csv_path, ("path", "sequence_id"))
    by_file: dict[str, list[str]] = {}
    for row in rows:
        by_file.setdefault(row["path"], []).append(row["sequence_id"])
    for relative, ids in by_file.items():
        yield from _iter_parquet(_existing(csv_path.parent / relative), ids)


# -- helpers --------------------------------------------------------------------------------------------


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise SignaError("no such file or folder", path)
    return path


def _open_parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        raise SignaError(f"not a readable parquet file ({err})", path) from None


def _check_columns(present: Sequence[str], needed: Sequence[str], path: Path, what: str) -> None:
    present = set(present)
    missing = [c for c in needed if c not in present]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise SignaError(f"{what} lacks expected column(s) {shown}", path)


def _read_parquet_columns(path: Path, columns: Sequence[str]) -> pa.Table:
    parquet = _open_parquet(path)
    _check_columns(parquet.schema_arrow.names, columns, path, "parquet")
    return parquet.read(columns=list(columns))

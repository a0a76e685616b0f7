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

:func:`read_sequences` picks the reader from the path (:mod:`.dispatch`); each format has its module
(:mod:`.kaggle`, :mod:`.pose`, :mod:`.npy`, :mod:`.letters`). Every problem a user can fix raises a
:class:`SignaError` naming the file.
"""

from signa.data.readers.common import FILE_SUFFIXES, LandmarkSequence, read_csv_table, require_detections
from signa.data.readers.dispatch import iter_dataset_sequences, iter_sequences, parquet_kind, read_sequences
from signa.data.readers.kaggle import iter_kaggle_wide, read_kaggle_long, read_kaggle_wide
from signa.data.readers.letters import LetterPoses, letter_sequences, read_letter_poses
from signa.data.readers.npy import NPY_WIDTH, read_npy
from signa.data.readers.pose import read_pose

__all__ = [
    "FILE_SUFFIXES",
    "LandmarkSequence",
    "LetterPoses",
    "NPY_WIDTH",
    "iter_dataset_sequences",
    "iter_kaggle_wide",
    "iter_sequences",
    "letter_sequences",
    "parquet_kind",
    "read_csv_table",
    "read_kaggle_long",
    "read_kaggle_wide",
    "read_letter_poses",
    "read_npy",
    "read_pose",
    "read_sequences",
    "require_detections",
]

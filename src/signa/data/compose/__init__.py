"""Compose fingerspelled sequences from recordings of single letters (``signa data compose``).

Real fingerspelled phrases are costly to record; single letters are not. Given recordings of each
letter's handshape and a list of phrases, this module writes a fingerspelling data set in the Kaggle
*wide* layout (``train.csv`` + ``train_landmarks/<file_id>.parquet``), so that a model can be trained
and evaluated on a new manual alphabet before any real phrase exists. The output is labelled as
COMPOSED data (``composed.json`` with ``"composed": true`` and a ``README.txt``); it is not a
recording of anyone fingerspelling.

Letter sources (each ``LETTERS`` argument; several may be given and are pooled):

* a hand table, ``.parquet`` or ``.csv``, one hand per row: ``letter, x_0..x_20, y_0..y_20,
  z_0..z_20`` (MediaPipe Hands numbering) and optionally ``frame_index`` (recording order), e.g.
  the asl-ai table;
* a Kaggle long-format data set folder: ``train.csv`` with ``path`` and ``sign`` (or ``letter``)
  columns and one long parquet per sample (e.g. SILFA). The signing hand of each frame is the
  detected hand that is higher in the image; the face and pose of these frames also serve as body
  templates;
* a folder of letter folders, ``<LETTER>/*.npy``, each file a ``(21, 3)`` or ``(T, 21, 3)`` hand,
  read in file-name order.

A letter label is used as is when the alphabet has it, else in lower case (``A`` -> ``a``). A label
may name a multi-character token of the alphabet (``LL`` -> ``ll``, one sign); phrases are split into
the alphabet's tokens (:meth:`signa.data.vocab.Vocabulary.tokenize`), each token one held letter.

Geometry. Every hand becomes a *canonical right hand as a camera sees it* (palm towards the camera:
index knuckle at larger x than pinky knuckle): wrist at the origin, coordinates divided by the
source's median palm size (wrist to middle knuckle in x-y). Hand-only sources do not store
handedness, so a source whose hands mostly have the index knuckle at the smaller x (the asl-ai
table: a right hand in a mirrored selfie image) is mirrored. Composed signers are right-handed and
fill the ``right_hand`` slot; a share of them (``left_handed``) is mirrored as a whole frame with
:func:`signa.data.layout.mirror_map`, which makes them left-handed signers filling ``left_hand``.
The other hand is never filled (in fingerspelling it mostly rests out of view). Coordinates are
used as recorded, so sources from cameras of another frame shape give slightly wider or narrower
hands than the body frame; the per-signer aspect jitter covers part of that.

Timing and motion (about 30 frames per second): each letter is held for a few frames, taking a run
of *consecutive* recorded samples of that letter (real micro-motion), reached by a smooth
interpolated transition from the previous letter; a repeated letter slides sideways; a space is a
short pause in which the hand moves outward; the hand drifts slowly; hand detections drop out at
random frames and in short bursts, and before the first and after the last letter.

Body context. The face and pose come from a real holistic frame (``--body``, or the holistic frames
of the letter sources), held still for the whole sequence, the non-signing hand removed; the signing
arm (elbow, wrist, hand points of the pose) follows the composed hand. Without any body template
face and pose are NaN.

Letter frames are never split at random: ``frames_block`` keeps one contiguous block of each
letter's samples in recording order (``first`` = 0-70 %, ``last`` = 70-100 %, or ``a:b``).
"""

from signa.data.compose.dataset import (
    ComposedSequence,
    compose_dataset,
    compose_sequences,
    make_phrases,
    read_phrases,
)
from signa.data.compose.letters import LetterBank, LetterSource, build_bank, read_letter_source
from signa.data.compose.motion import Signer, compose_sequence, make_signers
from signa.data.compose.options import ComposeOptions, parse_block
from signa.data.compose.recipe import (
    ASL_RECIPE,
    ComposedRecipe,
    held_out_sequences,
    recipe_phrases,
    write_recipe_set,
)

__all__ = [
    "ASL_RECIPE",
    "ComposeOptions",
    "ComposedRecipe",
    "ComposedSequence",
    "LetterBank",
    "LetterSource",
    "Signer",
    "build_bank",
    "compose_dataset",
    "compose_sequence",
    "compose_sequences",
    "held_out_sequences",
    "make_phrases",
    "make_signers",
    "parse_block",
    "read_letter_source",
    "read_phrases",
    "recipe_phrases",
    "write_recipe_set",
]

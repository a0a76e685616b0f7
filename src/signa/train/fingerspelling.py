"""The fingerspelling task: landmark sequences -> phrases, trained as the 1st-place solution (FS1).

Data: ``data.train`` is a prepared store or a Kaggle-layout folder (``train.csv`` and, with
``data.supplemental``, ``supplemental_metadata.csv``), prepared on first use. A row whose ``path``
starts with ``supplemental`` is a supplemental row.

* Split: ``--fold k`` validates on fold ``k`` of ``data.n_folds`` folds grouped by signer (a signer is
  in one fold only; ``data.fold_by: phrase`` groups by phrase instead) and trains on the others;
  supplemental rows always train and never validate.
  ``fold: -1`` is a full fit without validation (FS1 "validated" a full fit on its training fold 0,
  SOLUTIONS §2.12.9; here a full fit validates only on an explicit ``data.valid``).
* Epoch (FS1 cfg_2): every regular training row, plus one randomly chosen sequence per unique
  supplemental phrase, shuffled. Rows with fewer than ``data.min_seq_len`` frames or no landmark at all,
  and supplemental sentences longer than the decoder allows, are left out of training.
* Sample: global normalisation, then in training same-signer outer CutMix and the augmentation
  pipeline (:mod:`signa.data.augment.fingerspelling`), then nearest resampling to at most
  ``model.max_len`` frames; batches are padded to their longest sequence with a frame mask.
* Targets: phrase ids + EOS padded with PAD to ``model.max_phrase`` for the forward decoder, the
  reversed phrase likewise for the backward decoder (:mod:`signa.data.targets`). A phrase longer
  than the decoder allows is an error naming the csv. A CutMix phrase that comes out one character
  too long is cut (the reference cut every phrase to 32 characters).
* Confidence target: the round-1 out-of-fold score of the row from ``data.oof`` (``signa oof``),
  clamped to [0, 1]; supplemental rows take 0.5. Without a table every row takes 1.
* Loss: ``(1 − a)·[(1 − b)·CE_fwd + b·CE_bwd] + a·BCE(confidence)`` with ``b`` =
  ``options.backward_loss_weight`` (0.4) and ``a`` = ``options.confidence_loss_weight`` (0.02), a term
  dropping out when the model lacks that part; decoder inputs masked with ``options.decoder_mask_p``.
  PAD targets stay in the cross-entropy, as in FS1, so the model learns to emit PAD after EOS.
  A model with a ``ctc`` head adds CTC over its frames (targets: the phrase ids before EOS): alone
  it is the whole sequence loss, beside the attention decoder the two mix as
  ``(1 − c)·attention + c·CTC`` with ``c`` = ``options.ctc_loss_weight``.
* Evaluation: greedy decoding (:func:`signa.models.decoding.decode`, gate off by default; attention
  decoding when the model has the decoder, else CTC, or ``options.eval_decoding``: ``rescore`` ranks
  ``eval_beam_size`` attention candidates by ``(1 − w)·attention + w·CTC``, ``w`` =
  ``eval_ctc_weight``), scored by normalised total Levenshtein.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from signa.data.augment.fingerspelling import (
    FingerspellingAugmentConfig,
    build_fingerspelling_augment,
)
from signa.data.fingerspelling import (
    SUPPLEMENTAL_SCORE,
    TABLES,
    FingerspellingData,
    PhraseLengths,
    PhraseSequences,
    collate_phrases,
    is_supplemental,
    read_oof_scores,
)
from signa.data.folds import stratified_group_folds
from signa.data.layout import get_selection
from signa.data.targets import decoder_inputs
from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.metrics import normalized_total_levenshtein, sample_scores
from signa.models.decoding import DecodingOptions, decode
from signa.models.registry import build_model
from signa.train.data import open_store
from signa.train.distributed import Runtime
from signa.train.registry import register_task
from signa.train.task import Progress, Task


@dataclass(frozen=True)
class FingerspellingOptions:
    backward_loss_weight: float = 0.4
    confidence_loss_weight: float = 0.02
    decoder_mask_p: float = 0.2
    cutmix_p: float = 0.5
    augment: bool = True
    eval_gate: Literal["translator", "kaggle"] | None = None
    ctc_loss_weight: float = 0.3
    eval_decoding: Literal["attention", "ctc", "rescore"] | None = None
    eval_beam_size: int = 4  # rescore: attention candidates, and the CTC score's weight
    eval_ctc_weight: float = 0.5


@register_task("fingerspelling")
class FingerspellingTask(Task):
    Data = FingerspellingData
    Augment = FingerspellingAugmentConfig
    Options = FingerspellingOptions
    metric = "normalized_levenshtein"

    def __init__(self, experiment, runtime: Runtime = Runtime()):
        super().__init__(experiment, runtime)
        self.model_config = {k: v for k, v in experiment.model.items() if k != "arch"}  # complete
        self._vocab: Vocabulary | None = None
        self._epoch_regular: np.ndarray | None = None
        self._epoch_supplemental: list[np.ndarray] = []

    @property
    def vocab(self) -> Vocabulary:
        """``data.vocab``, or the checkpoint's vocabulary once ``check_checkpoint_meta`` has run."""
        if self._vocab is None:
            self._vocab = Vocabulary.load(self.data.vocab)
        return self._vocab

    @property
    def lengths(self) -> PhraseLengths:
        return PhraseLengths(self.model_config["max_len"], self.model_config["max_phrase"])

    @property
    def selection(self):
        return get_selection(self.model_config["selection"])

    # --- data -------------------------------------------------------------------------------------
    def build_datasets(self) -> tuple[Dataset, Dataset | None]:
        data = self.experiment.data
        if not data.train:
            raise SignaError("data.train is empty: give a Kaggle-layout folder or a prepared store")
        tables = TABLES if self.data.supplemental else TABLES[:1]
        store = open_store(data.train, data.cache, "fingerspelling", tables, data.layout)
        rows = store.index
        scores = self._confidence_targets(store)
        valid_rows = self._held_out_rows(rows) if data.fold >= 0 and not data.valid else []
        held_out = set(valid_rows)
        train_rows = [
            i
            for i, r in enumerate(rows)
            if i not in held_out
            and not r.get("all_missing")
            and r["frames"] >= max(self.data.min_seq_len, 1)
            and (not is_supplemental(r) or (self.data.supplemental and self._fits_decoder(r["phrase"])))
        ]
        if not train_rows:
            raise SignaError("no training sequences left after the split and min_seq_len", data.train)
        origin = Path(data.train)
        augment = None
        if self.options.augment:
            augment = build_fingerspelling_augment(self.augment, self.selection)
        train = PhraseSequences(
            store,
            origin,
            train_rows,
            scores[train_rows],
            self.vocab,
            self.lengths,
            augment,
            self.options.cutmix_p,
            training=True,
        )
        self._plan_epochs(store, train_rows)
        if data.valid:
            return train, self.eval_dataset(data.valid)
        if not valid_rows:
            return train, None
        return train, PhraseSequences(store, origin, valid_rows, scores[valid_rows], self.vocab, self.lengths)

    def _held_out_rows(self, rows: list[dict]) -> list[int]:
        """Regular rows of fold ``data.fold``, folds grouped by signer or phrase (``data.fold_by``; one
        "label" for all rows, as phrases are nearly unique)."""
        data = self.experiment.data
        key = "participant_id" if self.data.fold_by == "signer" else "phrase"
        groups = [str(r.get(key)) for r in rows]
        folds = stratified_group_folds(groups, ["phrase"] * len(rows), data.n_folds, data.fold_seed)
        return [i for i, r in enumerate(rows) if folds[i] == data.fold and not is_supplemental(r)]

    def _fits_decoder(self, phrase: str) -> bool:
        """Supplemental sentences longer than the decoder allows are left out (FS1 kept
        phrase_len < 33); a train row that long is an error instead."""
        return len(phrase) <= self.model_config["max_phrase"] - 1

    def _confidence_targets(self, store) -> np.ndarray:
        scores = np.array(
            [SUPPLEMENTAL_SCORE if is_supplemental(r) else 1.0 for r in store.index], np.float32
        )
        if not self.data.oof:
            return scores
        table = read_oof_scores(self.data.oof)
        missing = [
            r["sequence_id"] for r in store.index if not is_supplemental(r) and r["sequence_id"] not in table
        ]
        if missing:
            raise SignaError(
                f"{len(missing)} training sequences have no out-of-fold score (e.g. {missing[0]})",
                self.data.oof,
            )
        for i, row in enumerate(store.index):
            if not is_supplemental(row):
                scores[i] = table[row["sequence_id"]]
        return scores

    def _plan_epochs(self, store, train_rows: list[int]) -> None:
        """Positions of regular rows, and of the supplemental rows grouped by phrase."""
        by_phrase: dict[str, list[int]] = {}
        regular = []
        for position, row in enumerate(train_rows):
            if is_supplemental(store.index[row]):
                by_phrase.setdefault(store.index[row]["phrase"], []).append(position)
            else:
                regular.append(position)
        self._epoch_regular = np.array(regular, dtype=np.int64)
        self._epoch_supplemental = [np.array(p) for p in by_phrase.values()]

    def epoch_indices(self, epoch: int, rng: np.random.Generator, train_size: int) -> np.ndarray:
        """Every regular row plus one random sequence per unique supplemental phrase, shuffled."""
        picks = [group[rng.integers(len(group))] for group in self._epoch_supplemental]
        return rng.permutation(np.concatenate([self._epoch_regular, np.array(picks, dtype=np.int64)]))

    def eval_dataset(self, path: str | Path) -> Dataset:
        store = open_store(path, None, "fingerspelling", TABLES)
        scores = np.ones(len(store), np.float32)
        return PhraseSequences(store, Path(path), list(range(len(store))), scores, self.vocab, self.lengths)

    def collate(self, samples: list) -> Any:
        return collate_phrases(samples)

    # --- models -----------------------------------------------------------------------------------
    def build_models(self) -> dict[str, nn.Module]:
        model = build_model(self.experiment.model["arch"], self.model_config)
        model.check_vocabulary(self.vocab, self.data.vocab)
        try:  # a decoding the model cannot run is refused now, not at the first validation
            self._decoding_options().for_model(model)
        except ValueError as err:
            raise SignaError(str(err), "options.eval_decoding") from None
        return {"model": model}

    def checkpoint_meta(self) -> dict[str, Any]:
        return super().checkpoint_meta() | {
            "vocab": self.vocab.to_mapping(),
            "selection": self.selection.name,
        }

    def check_checkpoint_meta(self, meta: dict[str, Any], source: str | Path) -> None:
        """Use the checkpoint's vocabulary; refuse a configured one (still on disk) that differs."""
        super().check_checkpoint_meta(meta, source)
        saved = Vocabulary.from_mapping(meta["vocab"], source)
        spec = self.data.vocab
        if (spec == "kaggle" or Path(spec).is_file()) and Vocabulary.load(spec) != saved:
            raise SignaError(
                f"the checkpoint's vocabulary ({saved.n_chars} characters) differs from "
                f"data.vocab {spec!r} ({Vocabulary.load(spec).n_chars} characters)",
                source,
            )
        self._vocab = saved

    # --- training ---------------------------------------------------------------------------------
    def training_step(self, models, batch, progress: Progress):
        options, vocab = self.options, self.vocab
        target, backward = batch["target"], batch["backward"]
        model = models["model"]
        getattr(model, "module", model).set_training_step(progress.step)  # (DDP wraps it in .module)
        out = model(
            batch["points"],
            batch["mask"],
            decoder_inputs(target, vocab, options.decoder_mask_p),
            decoder_inputs(backward, vocab, options.decoder_mask_p),
        )
        loss, logs = self._attention_loss(out, target, backward)
        if out.ctc_logits is not None:
            ctc = ctc_loss(out.ctc_logits, batch["mask"], target, vocab.eos_id)
            weight = options.ctc_loss_weight if loss is not None else 1.0
            loss = ctc if loss is None else (1 - weight) * loss + weight * ctc
            logs["ctc"] = ctc.detach()
        if out.confidence is not None:
            bce = F.binary_cross_entropy_with_logits(out.confidence.float(), batch["score"].clamp(0, 1))
            loss = (1 - options.confidence_loss_weight) * loss + options.confidence_loss_weight * bce
            logs["confidence_bce"] = bce.detach()
        return loss, logs

    def _attention_loss(self, out, target, backward):
        """Forward (and backward) decoder cross-entropy, or None for a model without the decoder."""
        if out.logits is None:
            return None, {}
        ce_forward = F.cross_entropy(out.logits.flatten(0, 1).float(), target.flatten())
        logs = {"ce_forward": ce_forward.detach()}
        loss = ce_forward
        if out.backward_logits is not None:
            ce_backward = F.cross_entropy(out.backward_logits.flatten(0, 1).float(), backward.flatten())
            weight = self.options.backward_loss_weight
            loss = (1 - weight) * loss + weight * ce_backward
            logs["ce_backward"] = ce_backward.detach()
        return loss, logs

    # --- evaluation -------------------------------------------------------------------------------
    def _decoding_options(self) -> DecodingOptions:
        return DecodingOptions(
            max_steps=self.model_config["max_phrase"],
            gate=self.options.eval_gate,
            strategy=self.options.eval_decoding,
            beam_size=self.options.eval_beam_size,
            ctc_weight=self.options.eval_ctc_weight,
        )

    def evaluation_records(self, model: nn.Module, batch) -> list[dict[str, Any]]:
        options = self._decoding_options()
        results = decode(model, batch["points"], batch["mask"], self.vocab, options, batch["frames"])
        scores = sample_scores(batch["phrase"], [r.text for r in results])
        return [
            {
                "sequence_id": sequence_id,
                "phrase": phrase,
                "prediction": result.text,
                "confidence": result.confidence,
                "score": float(score),
                "frames": result.frames,
            }
            for sequence_id, phrase, result, score in zip(
                batch["sequence_id"], batch["phrase"], results, scores, strict=True
            )
        ]

    def summarize(self, records: list[dict[str, Any]]) -> dict[str, float]:
        references, predictions = [r["phrase"] for r in records], [r["prediction"] for r in records]
        return {
            self.metric: normalized_total_levenshtein(references, predictions),
            "sequences": len(records),
        }


def ctc_loss(
    logits: torch.Tensor, mask: torch.Tensor | None, target: torch.Tensor, eos_id: int
) -> torch.Tensor:
    """CTC of frame logits (B, T, V + 1), blank last, against forward targets (B, S) (ids, EOS, PAD).

    Frames are the mask's real ones; a target's length is its EOS position. Impossible alignments
    (more characters than frames) give 0 rather than infinity.
    """
    log_probs = logits.float().log_softmax(-1).transpose(0, 1)  # (T, B, V + 1)
    frames = mask.long().sum(1) if mask is not None else torch.full_like(target[:, 0], logits.shape[1])
    lengths = (target == eos_id).long().argmax(1)
    blank = logits.shape[-1] - 1
    return F.ctc_loss(log_probs, target, frames, lengths, blank=blank, zero_infinity=True)

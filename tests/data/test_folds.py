"""Signer-independent folds stratified by sign."""

from __future__ import annotations

import numpy as np
import pytest

from signa.data.folds import stratified_group_folds
from signa.errors import SignaError


def test_every_signer_is_in_one_fold_and_folds_are_balanced():
    signers = np.repeat(np.arange(21), 6)
    signs = np.tile(["hello", "thankyou"], 63)
    folds = stratified_group_folds(signers, signs, 4, seed=42)
    for signer in range(21):
        assert len(set(folds[signers == signer])) == 1
    sizes = np.bincount(folds, minlength=4)
    assert sizes.max() - sizes.min() <= 6
    for fold in range(4):
        assert (signs[folds == fold] == "hello").mean() == pytest.approx(0.5)
    assert np.array_equal(folds, stratified_group_folds(signers, signs, 4, seed=42))


def test_skewed_signers_are_spread_to_even_out_the_labels():
    signers = np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 10 + ["d"] * 10)
    signs = np.array(["x"] * 10 + ["y"] * 10 + ["x"] * 10 + ["y"] * 10)
    folds = stratified_group_folds(signers, signs, 2, seed=0)
    for fold in range(2):
        assert (signs[folds == fold] == "x").mean() == pytest.approx(0.5)


def test_too_few_signers_is_an_error():
    with pytest.raises(SignaError, match="signers"):
        stratified_group_folds(["a", "a", "b"], ["x", "y", "x"], 4)

import numpy as np
import pytest

from signa import metrics


def test_normalized_total_levenshtein_by_hand():
    # N = 3 + 4 = 7; D = 1 (substitution) + 4 (empty prediction) = 5
    assert metrics.normalized_total_levenshtein(["abc", "abcd"], ["abd", ""]) == pytest.approx(2 / 7)
    assert metrics.normalized_total_levenshtein(["hello"], ["hello"]) == 1.0


def test_metric_is_plain_levenshtein_not_damerau():
    # a transposition costs 2 under plain Levenshtein, 1 under Damerau
    assert metrics.normalized_total_levenshtein(["ab"], ["ba"]) == 0.0


def test_metric_sums_over_the_set_rather_than_averaging():
    # per-sample average would be (0 + 1) / 2 = 0.5; the total is (11 - 1) / 11
    score = metrics.normalized_total_levenshtein(["a", "bcdefghijk"], ["", "bcdefghijk"])
    assert score == pytest.approx(10 / 11)


def test_metric_can_be_negative_with_long_garbage():
    assert metrics.normalized_total_levenshtein(["ab"], ["xxxxxx"]) == pytest.approx(-2.0)


def test_metric_rejects_mismatched_lengths_and_empty_references():
    with pytest.raises(ValueError):
        metrics.normalized_total_levenshtein(["a"], [])
    with pytest.raises(ValueError):
        metrics.normalized_total_levenshtein([""], [""])


def test_sample_scores():
    np.testing.assert_allclose(metrics.sample_scores(["abcd", "ab"], ["abcd", "xyzw"]), [1.0, -1.0])


def test_accuracy_top_k_and_confusion():
    labels = [0, 1, 2, 1]
    scores = np.array([[0.9, 0.1, 0.0], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7], [0.2, 0.5, 0.3]])
    assert metrics.accuracy(labels, scores.argmax(1)) == 0.75
    assert metrics.top_k_accuracy(labels, scores, 2) == 1.0
    cm = metrics.confusion_matrix(labels, scores.argmax(1), 3)
    assert cm.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]

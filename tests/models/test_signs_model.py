"""The isolated-sign model: exact reference sizes, shapes, padding invariance, relative attention."""

from __future__ import annotations

import pytest
import torch

from signa.models.registry import build_model
from signa.models.relative_attention import DisentangledSelfAttention, log_bucket_positions
from signa.models.signs import SignModel, SignModelConfig

SIZES = {
    "distilled-25": (dict(max_len=25, dense_dim=192, widths=[512, 768, 768, 512]), 9_819_298),
    "distilled-80": (dict(max_len=80, dense_dim=192, widths=[512, 576, 576, 512]), 6_943_394),
    "teacher-25": (dict(max_len=25, dense_dim=512, widths=[1024, 1280, 1536, 1536]), 35_143_010),
    "teacher-80": (dict(max_len=80, dense_dim=256, widths=[512, 768, 1024, 1024]), 13_688_418),
}


def tiny(**changes) -> SignModel:
    config = dict(n_classes=5, max_len=12, dense_dim=32, widths=[32, 48, 32], heads=4) | changes
    return SignModel(SignModelConfig(**config)).eval()


@pytest.mark.parametrize("name", SIZES)
def test_parameter_count_matches_the_reference(name):
    config, expected = SIZES[name]
    model = build_model("islr6", config | {"n_classes": 250})
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == expected


def test_forward_backward_shapes():
    model = tiny().train()
    points, mask = torch.randn(3, 12, 100, 3), torch.ones(3, 12, dtype=torch.bool)
    mask[1, 5:] = False
    logits = model(points, mask)
    assert logits.shape == (3, 5)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_output_ignores_padding_content_and_length():
    torch.manual_seed(0)
    model = tiny()
    points, mask = torch.randn(1, 12, 100, 3), torch.ones(1, 12, dtype=torch.bool)
    mask[0, 7:] = False
    with torch.no_grad():
        reference = model(points, mask)
        noisy = points.clone()
        noisy[0, 7:] = 3.0
        assert torch.allclose(model(noisy, mask), reference, atol=1e-5)
        assert torch.allclose(model(points[:, :7], mask[:, :7]), reference, atol=1e-5)


def test_hands_are_interchangeable_only_through_their_mlps():
    """The element-wise max over the two hand branches is symmetric in the branches."""
    model = tiny()
    model.right_hand_mlp.load_state_dict(model.left_hand_mlp.state_dict())
    points, mask = torch.randn(1, 12, 100, 3), torch.ones(1, 12, dtype=torch.bool)
    features = model.embedding(points, mask)
    present = torch.ones(1, 12, 100, dtype=torch.bool)
    left = model._part(model.left_hand_mlp, features, present, mask, model.left_hand_points)
    right = model._part(model.right_hand_mlp, features, present, mask, model.right_hand_points)
    assert left.shape == right.shape == (1, 12, 32)


def test_log_buckets_are_exact_near_and_logarithmic_far():
    relative = torch.arange(-24, 25)
    buckets = log_bucket_positions(relative, 25, 25)
    assert torch.equal(buckets[relative.abs() <= 12], relative[relative.abs() <= 12])
    assert buckets.abs().max() < 25
    assert torch.all(buckets[1:] >= buckets[:-1])


def naive_disentangled_scores(attention, x, rel):
    """Per query/key pair, the DeBERTa c2p + p2c score, for checking the gathers."""
    q, k = attention._split(attention.query(x)), attention._split(attention.key(x))
    pos_q, pos_k = attention._split(attention.query(rel)), attention._split(attention.key(rel))
    length, span = x.shape[1], attention.span
    scores = q @ k.transpose(-1, -2)
    for i in range(length):
        for j in range(length):
            query_to_key = int(log_bucket_positions(torch.tensor(i - j), span, span))
            key_to_query = int(log_bucket_positions(torch.tensor(j - i), span, span))
            c2p = min(max(query_to_key + span, 0), 2 * span - 1)
            p2c = min(max(-key_to_query + span, 0), 2 * span - 1)
            scores[..., i, j] += (q[..., i, :] * pos_k[:, c2p]).sum(-1)
            scores[..., i, j] += (k[..., j, :] * pos_q[:, p2c]).sum(-1)
    return scores / attention.scale


def test_relative_attention_gathers_match_a_naive_loop():
    torch.manual_seed(0)
    attention = DisentangledSelfAttention(dim=16, heads=2, max_len=10, dropout=0.0).eval()
    x, rel = torch.randn(2, 7, 16), torch.randn(20, 16)
    mask = torch.ones(2, 7, dtype=torch.bool)
    probs = torch.softmax(naive_disentangled_scores(attention, x, rel), -1)
    v = attention._split(attention.value(x))
    expected = (probs @ v).transpose(1, 2).flatten(2)
    with torch.no_grad():
        assert torch.allclose(attention(x, mask, rel), expected, atol=1e-5)


def test_width_must_divide_by_heads():
    with pytest.raises(ValueError, match="heads"):
        SignModelConfig(widths=[100, 64], heads=16)


def test_id_embeddings_equal_normalising_every_frames_ids():
    """The table is normalised once; the result is the reference's per-frame form, padding id included."""
    from signa.models.signs import LandmarkEmbedding, id_embedding

    torch.manual_seed(0)
    module = LandmarkEmbedding(16)
    with torch.no_grad():
        module.type_norm.weight.uniform_(0.5, 1.5)
        module.type_norm.bias.normal_()
    mask = torch.arange(7)[None] < torch.tensor([[7], [4]])
    ours = id_embedding(module.type_embed, module.type_norm, module.type_ids, mask)
    reference = module.type_norm(module.type_embed(module.type_ids * mask.long()[:, :, None]))
    torch.testing.assert_close(ours, reference)
    assert ours.shape == (2, 7, len(module.type_ids), 16)

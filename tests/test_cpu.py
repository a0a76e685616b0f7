"""CPU capability: which precision is native here, read once, mocked both ways for the callers."""

from __future__ import annotations

import logging

import pytest
import torch

from signa import cpu
from signa.train.loop import resolve_precision

# /proc/cpuinfo flags (the part that matters) of the machine kinds SIGNA is run on
ZEN4 = {"avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"}
SAPPHIRE_RAPIDS = {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}
ZEN2_AVX2_ONLY = {"avx2", "fma", "f16c"}
CPU = torch.device("cpu")


@pytest.fixture
def mock_cpu(monkeypatch):
    """Pretend to be a CPU with (True) or without (False) native bf16, and a cheap slowdown."""

    def pretend(native: bool, slowdown: float = 14.0):
        flags = SAPPHIRE_RAPIDS if native else ZEN2_AVX2_ONLY
        monkeypatch.setattr(cpu, "cpu_features", lambda: cpu.features_from_flags("Test CPU", flags))
        monkeypatch.setattr(cpu, "bf16_slowdown", lambda: slowdown)

    return pretend


@pytest.mark.parametrize(
    ("flags", "cap", "native"),
    [
        (ZEN4, None, True),  # AVX512_BF16
        (SAPPHIRE_RAPIDS, None, True),  # AMX and AVX512_BF16
        (ZEN2_AVX2_ONLY, None, False),
        (ZEN4, "AVX2", False),  # oneDNN capped below bf16: emulated again
        (ZEN4, "avx512_core", False),
        (ZEN4, "AVX512_CORE_BF16", True),
        (SAPPHIRE_RAPIDS, "AVX512_CORE_AMX", True),
    ],
)
def test_native_bf16_from_flags_and_onednn_cap(flags, cap, native):
    assert cpu.features_from_flags("x", flags, cap).native_bf16 is native


def test_features_agree_with_torch_own_detection():
    """py-cpuinfo and torch's bundled cpuinfo library read the same CPU."""
    features = cpu.cpu_features()
    assert features.avx512_bf16 == torch.cpu._is_avx512_bf16_supported()
    assert features.amx == torch.cpu._is_amx_tile_supported()
    assert features.model and set(features.to_dict()) >= {"vnni", "avx512", "native_bf16"}


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_precision_never_picks_emulated_bf16(mock_cpu, native, expected):
    mock_cpu(native)
    assert resolve_precision("auto", CPU) == expected
    assert resolve_precision("fp32", CPU) == "fp32"


def test_requested_bf16_without_native_bf16_warns_once_with_the_slowdown(mock_cpu, caplog):
    mock_cpu(False, slowdown=26.7)
    with caplog.at_level(logging.WARNING, logger="signa"):
        assert resolve_precision("bf16", CPU) == "bf16"  # asked for: kept, but said
    (record,) = caplog.records
    assert "without native bf16" in record.message and "26.7x" in record.message
    assert "\n" not in record.message
    mock_cpu(True)
    caplog.clear()
    resolve_precision("bf16", CPU)
    assert not caplog.records


def test_bf16_slowdown_is_measured():
    factor = cpu.bf16_slowdown()
    assert factor > 0 and cpu.bf16_slowdown() == factor  # measured once, then cached

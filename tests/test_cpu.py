"""CPU capability: which precision is native here, read once, mocked both ways for the callers."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from signa import cpu
from signa.train.loop import resolve_precision

# /proc/cpuinfo flags (the part that matters) of the machine kinds SIGNA is run on
ZEN4 = {"avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"}
SAPPHIRE_RAPIDS = {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8"}
ZEN2_AVX2_ONLY = {"avx2", "fma", "f16c"}
CPU = torch.device("cpu")
REPO = Path(__file__).resolve().parents[1]


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


def test_onednn_cap_in_the_environment_turns_native_bf16_off(monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    cpu.cpu_features.cache_clear()
    try:
        assert cpu.cpu_features().isa_cap == "AVX2" and not cpu.native_bf16()
        assert resolve_precision("auto", CPU) == "fp32"
    finally:
        cpu.cpu_features.cache_clear()


# The precision-sensitive tests, re-run on the AVX2 kernels of PyTorch (ATen) and oneDNN: bf16 is
# then emulated (as on an AVX2-only CPU) and fp32 sums run in another order. ONNX Runtime has no
# such switch; its int8 form is exact by construction (tests/export/test_onnx.py says how).
LOWER_ISA_TESTS = [
    "tests/test_cpu.py",
    "tests/export/test_precision.py",
    "tests/export/test_onnx.py::test_fingerspelling_unrolled_matches_pytorch",
]


@pytest.mark.skipif(bool(os.environ.get("ONEDNN_MAX_CPU_ISA")), reason="already on a capped instruction set")
def test_precision_sensitive_tests_pass_on_avx2_kernels(shared_data):
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *LOWER_ISA_TESTS]
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]

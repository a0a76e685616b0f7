"""What this CPU offers a command: how many threads and loader processes, and which precisions run
natively (torch-free at import: torch and py-cpuinfo are imported only when asked).

A small model gains nothing from many intra-op threads and loses a lot when the cores are shared:
the 80 k-parameter sign model trained one epoch in 52.5 s with torch's default threads on a loaded
2-core machine, and in 16.0 s with one. The default is one thread per million parameters, at least
one, at most the cores this process may use; ``--threads`` or ``OMP_NUM_THREADS`` decide otherwise.

Precision: bf16 is fast on a CPU only with native bf16 arithmetic (AMX or AVX512_BF16); elsewhere
oneDNN emulates it and a bf16 matmul of the encoder's shape ran 14-27x slower than fp32 (measured on an
AVX2-only AMD EPYC, and here under ``ONEDNN_MAX_CPU_ISA=AVX2``). So ``precision: auto`` picks bf16
only where :func:`native_bf16` says so, and an explicit bf16 request elsewhere logs one warning
with the slowdown measured on this machine (:func:`bf16_slowdown`).

The CPU's features come from ``py-cpuinfo``; a oneDNN instruction-set cap (``ONEDNN_MAX_CPU_ISA``,
oneDNN's documented switch, honoured by torch's CPU kernels) below native bf16 makes bf16 emulated
again, so the lower-ISA test runs see the machine they emulate.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import asdict, dataclass

PARAMETERS_PER_THREAD = 1_000_000


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads(parameters: int) -> int | None:
    """Intra-op threads for a model of ``parameters`` weights; None when ``OMP_NUM_THREADS`` is set
    (the user chose, and torch already follows it)."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    return max(1, min(available_cores(), parameters // PARAMETERS_PER_THREAD))


def loader_workers(requested: int) -> int:
    """``requested`` data-loader processes, capped by the cores available (torch warns above)."""
    return min(requested, available_cores())


log = logging.getLogger("signa")

# oneDNN's ISA names (ONEDNN_MAX_CPU_ISA values) from the lowest: a cap below AVX512_CORE_BF16
# leaves oneDNN's bf16 emulated.
ONEDNN_ISAS = (
    "SSE41",
    "AVX",
    "AVX2",
    "AVX2_VNNI",
    "AVX2_VNNI_2",
    "AVX512_CORE",
    "AVX512_CORE_VNNI",
    "AVX512_CORE_BF16",
    "AVX10_1_512",
    "AVX512_CORE_FP16",
    "AVX10_1_512_AMX",
    "AVX512_CORE_AMX",
    "AVX10_1_512_AMX_FP16",
    "AVX512_CORE_AMX_FP16",
    "ALL",
)


@dataclass(frozen=True)
class CpuFeatures:
    """The CPU's features that decide SIGNA's speed, and the oneDNN ISA cap when one is set.

    The flags say what the hardware has; :attr:`native_bf16` says whether PyTorch (oneDNN) may use
    it. ONNX Runtime's MLAS kernels ignore the cap: they always use what the hardware has.
    """

    model: str
    avx2: bool
    avx512: bool
    vnni: bool
    avx512_bf16: bool
    amx: bool
    isa_cap: str | None = None  # ONEDNN_MAX_CPU_ISA when set

    @property
    def native_bf16(self) -> bool:
        rank = _cap_rank(self.isa_cap)
        return (self.avx512_bf16 and rank >= ONEDNN_ISAS.index("AVX512_CORE_BF16")) or (
            self.amx and rank >= ONEDNN_ISAS.index("AVX512_CORE_AMX")
        )

    def to_dict(self) -> dict:
        return {**asdict(self), "native_bf16": self.native_bf16}


def features_from_flags(model: str, flags: set[str], isa_cap: str | None = None) -> CpuFeatures:
    """Features from ``py-cpuinfo`` flag names (``/proc/cpuinfo`` spelling or cpuid's)."""
    return CpuFeatures(
        model=model,
        avx2="avx2" in flags,
        avx512="avx512f" in flags,
        vnni=bool({"avx512_vnni", "avx512vnni", "avx_vnni", "avxvnni"} & flags),
        avx512_bf16=bool({"avx512_bf16", "avx512bf16"} & flags),
        amx=bool({"amx_bf16", "amxbf16"} & flags),
        isa_cap=isa_cap,
    )


def _cap_rank(isa_cap: str | None) -> int:
    """Position of a oneDNN ISA cap in :data:`ONEDNN_ISAS` (no cap or an unknown name: no limit)."""
    name = (isa_cap or "ALL").strip().upper()
    return ONEDNN_ISAS.index(name) if name in ONEDNN_ISAS else len(ONEDNN_ISAS)


@functools.cache
def cpu_features() -> CpuFeatures:
    """This machine's features (read once per process, ~1 s)."""
    import cpuinfo

    info = cpuinfo.get_cpu_info()
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA")
    return features_from_flags(info.get("brand_raw", "unknown CPU"), set(info.get("flags", [])), cap)


def native_bf16() -> bool:
    """True where bf16 arithmetic is native (AMX or AVX512_BF16, not capped away)."""
    return cpu_features().native_bf16


@functools.cache
def bf16_slowdown(repeats: int = 5) -> float:
    """bf16 time / fp32 time of one encoder-shaped matmul (384x208 @ 208x208), measured once."""
    import torch

    a, b = torch.randn(384, 208), torch.randn(208, 208)

    def best_ms(x, y) -> float:
        x @ y  # warm-up: oneDNN builds its kernel on the first call
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            x @ y
            times.append(time.perf_counter() - start)
        return min(times)

    return best_ms(a.bfloat16(), b.bfloat16()) / best_ms(a, b)


def warn_if_emulated_bf16(what: str) -> bool:
    """Log one line when ``what`` asked for bf16 on a CPU without native bf16; True if it did."""
    if native_bf16():
        return False
    features = cpu_features()
    log.warning(
        "%s: bf16 requested on a CPU without native bf16 (%s: no AMX or AVX512_BF16); "
        "a bf16 matmul runs %.1fx the fp32 time here, use fp32",
        what,
        features.model,
        bf16_slowdown(),
    )
    return True

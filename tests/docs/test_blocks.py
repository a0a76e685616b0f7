"""Every ```bash and ```python block of README.md and docs/**/*.md runs as written, so the docs cannot rot.

A test per block, named by its file and line (``README.md:42``). Blocks of a page run in order in one
scratch copy of the repository (``blocks.make_farm``), the way a user runs them from the repo root
after ``make install`` and activating ``.venv``: ``signa``, ``python`` and ``torchrun`` on PATH. A block
that reads ``../shared/data`` skips where the data kit is absent (fails when ``CI=true``, like every
``shared_data`` test). Long jobs are written with small overrides in the block itself and the full
form in a comment; a form that repeats work another test covers (a second export, a second torchrun)
is a ```text usage line, which tests/docs/test_usage.py checks against the CLI.

Time budget (``SIGNA_DOCS_TIMES=FILE``: each block's wall and CPU seconds): the 33 executed blocks
take 163 s wall, 168 s CPU in all, and the whole of tests/docs 2 min 46 s (2026-12-01, the 2-core
AMD EPYC Zen 4 VM, nearly idle; before the budget pass, on the same machine while a benchmark ran:
426 s wall, 243 s CPU for the blocks, against 301 s and 226 s after it in those conditions).
"""

from __future__ import annotations

import pytest
from blocks import PAGES, REPO, Block, PageRun, fences, make_farm, run_bash, run_python, runnable_blocks

# Blocks that cannot run inside the test suite, by page and a piece of their text, with the reason.
NOT_RUN = {
    ("README.md", "make demo"): "installs .venv and runs `signa demo` (its own test runs the demo); "
    "then `make test` runs this suite",
    ("docs/getting-started.md", "make demo"): "the same block as the README's",
    ("docs/getting-started.md", "pip install"): "installs into the environment of the tests",
    ("docs/speed.md", "make bench"): "writes the committed benchmarks/results/; wants an idle machine",
    ("docs/export.md", "--format tflite"): "~50 s of CPU for a tiny model; tests/export/test_tflite.py "
    "converts and checks parity",
}

BLOCKS = runnable_blocks()


def not_run_reason(block: Block) -> str | None:
    page = str(block.page.relative_to(REPO))
    return next((why for (where, text), why in NOT_RUN.items() if where == page and text in block.code), None)


@pytest.fixture(scope="module")
def page_runs(tmp_path_factory):
    """One ``PageRun`` per page, made on first use."""
    runs: dict = {}

    def get(page) -> PageRun:
        if page not in runs:
            blocks = [b for b in BLOCKS if b.page == page and not not_run_reason(b)]
            runs[page] = PageRun(make_farm(tmp_path_factory.mktemp(page.stem)), blocks)
        return runs[page]

    return get


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.name)
def test_block_runs(block: Block, page_runs, request, monkeypatch):
    reason = not_run_reason(block)
    if reason:
        pytest.skip(f"not run: {reason}")
    if "../shared/" in block.code:
        request.getfixturevalue("shared_data")  # skips (or fails on CI) without the data kit
    run = page_runs(block.page)
    if run.failed:
        pytest.skip(f"an earlier block of this page failed: {run.failed}")
    monkeypatch.chdir(run.farm)
    monkeypatch.setenv("SIGNA_CACHE", str(run.farm.parent / "cache"))

    def run_one(current: Block) -> None:
        if current.language == "bash":
            run_bash(current, run.farm)
        else:
            run_python(current, run.namespace)

    run.run_through(block, run_one)


def test_every_fence_names_its_language():
    """An unnamed fence could hide a command from these tests: shell is ```bash, output ```text."""
    unnamed = [b.name for page in PAGES for b in fences(page) if not b.language]
    other_shells = ("sh", "shell", "console", "py")
    shells = [b.name for page in PAGES for b in fences(page) if b.language in other_shells]
    assert not unnamed, f"fences without a language: {unnamed}"
    assert not shells, f"use ```bash or ```python (executed) or ```text: {shells}"


def test_not_run_list_is_current():
    """Each entry of NOT_RUN names exactly one runnable block."""
    for page, text in NOT_RUN:
        matches = [b.name for b in BLOCKS if str(b.page.relative_to(REPO)) == page and text in b.code]
        assert len(matches) == 1, f"NOT_RUN entry {(page, text)} matches {matches}"

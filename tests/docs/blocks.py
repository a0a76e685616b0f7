"""The code blocks of SIGNA's Markdown pages, and a scratch copy of the repository to run them in.

Pages are parsed with markdown-it-py (CommonMark, so a fence inside a list item is found and dedented
as a renderer would show it). A page's blocks run in order in one scratch folder: a *farm* of symbolic
links to the repository's files, so that what a block writes (``runs/``, ``exported/``) lands in the
farm and never in the checkout, and ``../shared/data`` points at the real data kit. Python blocks of a
page share one namespace.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
RUN = ("bash", "python")  # the fence languages executed; every fence must name a language
# Outputs of earlier runs in the checkout stay out of the farm (a block starts from a clean clone).
NOT_LINKED = {".git", "runs", "exported", "site", ".pytest_cache", ".ruff_cache", "__pycache__"}
BLOCK_TIMEOUT_S = 300
SHARED_DATA = Path(os.environ.get("SIGNA_SHARED_DATA", REPO.parent / "shared" / "data"))
TIMES = os.environ.get("SIGNA_DOCS_TIMES")  # a file: each block's wall and CPU seconds appended to it


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def first_line(self) -> str:
        return self.code.strip().splitlines()[0]


def fences(page: Path) -> list[Block]:
    """Every fenced block of a page, with its language (the info string's first word)."""
    tokens = MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8"))
    return [
        Block(page, token.map[0] + 1, (token.info.split() or [""])[0], token.content)
        for token in tokens
        if token.type == "fence"
    ]


def runnable_blocks() -> list[Block]:
    return [block for page in PAGES for block in fences(page) if block.language in RUN]


def make_farm(root: Path, shared_data: Path = SHARED_DATA) -> Path:
    """``root/repo``: links to the checkout's top-level entries; ``root/shared/data``: the data kit
    (a dangling link where it is absent: blocks naming ``../shared/`` skip there)."""
    farm = root / "repo"
    farm.mkdir(parents=True)
    for entry in REPO.iterdir():
        if entry.name not in NOT_LINKED:
            (farm / entry.name).symlink_to(entry)
    (root / "shared").mkdir()
    (root / "shared" / "data").symlink_to(shared_data)
    return farm


def block_environment(farm: Path) -> dict[str, str]:
    """The environment of an activated ``.venv``: ``signa``, ``python``, ``torchrun`` on PATH, the
    farm's own sources imported, a private prepared-store cache."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(farm / "src")
    env["SIGNA_CACHE"] = str(farm.parent / "cache")
    env["MPLBACKEND"] = "Agg"
    return env


@dataclass
class PageRun:
    """One page's scratch folder and Python namespace; blocks run in page order, each once."""

    farm: Path
    blocks: list[Block]
    namespace: dict = field(default_factory=lambda: {"__name__": "__docs__"})
    done: int = 0
    failed: str | None = None

    def run_through(self, block: Block, run_one) -> None:
        """Run the page's blocks up to and including ``block`` (earlier ones first, if a test selected
        a later block alone). ``run_one(block)`` runs a block or raises."""
        index = self.blocks.index(block)
        while self.done <= index:
            current = self.blocks[self.done]
            self.done += 1
            try:
                run_one(current)
            except BaseException:
                self.failed = current.name
                raise


def timed(run):
    """Run a block; with ``$SIGNA_DOCS_TIMES`` set, append its wall and CPU seconds (this process and its
    children) to that file: the figures behind the docs tests' time budget."""

    def timed_run(block: Block, *args) -> None:
        start, cpu = time.perf_counter(), _cpu_seconds()
        try:
            run(block, *args)
        finally:
            if TIMES:
                wall, used = time.perf_counter() - start, _cpu_seconds() - cpu
                with open(TIMES, "a", encoding="utf-8") as log:
                    log.write(f"{block.name}\t{wall:.1f}\t{used:.1f}\n")

    return timed_run


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@timed
def run_bash(block: Block, farm: Path) -> None:
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.code],
        cwd=farm,
        env=block_environment(farm),
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{block.name}: bash exited {result.returncode}\n--- block\n{block.code}"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )


@timed
def run_python(block: Block, namespace: dict) -> None:
    """Executed in this process, compiled under the page's name with the page's line numbers, so a
    traceback points into the Markdown file."""
    code = compile("\n" * block.line + block.code, str(block.page), "exec")
    exec(code, namespace)

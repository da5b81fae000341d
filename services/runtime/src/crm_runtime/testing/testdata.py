"""Where the shared test data (../shared/testdata beside the checkout) is."""

from __future__ import annotations

from pathlib import Path


def shared_testdata(*parts: str) -> Path:
    """`shared/testdata/<parts>` beside the nearest folder above this checkout that has
    one: the main checkout's parent, or a worktree's (worktrees sit a level deeper)."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        found = folder / "shared" / "testdata"
        if found.is_dir():
            return found.joinpath(*parts)
    return here.parents[-1] / "shared" / "testdata" / Path(*parts)  # absent: callers skip

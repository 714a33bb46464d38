"""Progress bars that the CLI's --quiet turns off everywhere at once."""

from __future__ import annotations

from typing import Any

from tqdm import tqdm

enabled = True


def progress_bar(*args: Any, disable: bool = False, **kwargs: Any) -> tqdm:
    """A tqdm bar, unless progress is switched off globally or by ``disable``."""
    return tqdm(*args, disable=disable or not enabled, **kwargs)

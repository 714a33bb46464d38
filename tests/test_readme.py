"""The README's "Adding a method" example is real code: dropped into a method folder, it registers and trains."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.registry import METHOD_PATH_ENV, get_method, registry
from bench.train import make_spec, train
from bench.translate import translate_run

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_method_example() -> str:
    section = README.read_text().split("## Adding a method", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture()
def readme_method(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    folder = tmp_path / "readme_methods"
    folder.mkdir()
    (folder / "mygan.py").write_text(readme_method_example())
    monkeypatch.setenv(METHOD_PATH_ENV, str(folder))
    registry.cache_clear()
    yield "mygan"
    monkeypatch.delenv(METHOD_PATH_ENV)
    registry.cache_clear()


def test_the_readme_example_method_trains_and_translates(readme_method: str, digits_root: Path,
                                                         tmp_path: Path) -> None:
    assert get_method(readme_method).settings == frozenset({"unpaired"})
    spec = make_spec("hand2mnistm", readme_method, 0, 3, {"ngf": 8, "ndf": 8}, 16)
    summary = train(spec, tmp_path / "run", data_root=digits_root, progress=False, threads=1)
    assert set(summary["parameters"]) == {"G", "D"}
    result = translate_run(tmp_path / "run", tmp_path / "run" / "translations.pt", data_root=digits_root,
                           progress=False)
    images = result["directions"]["0>1"]["images"]
    assert images.shape[1:] == (3, 16, 16) and len(images) == len(result["directions"]["0>1"]["ids"])

"""The README's "Adding a method" example is real code: dropped into a method folder, it registers and trains."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.describe import describe
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
    cls = get_method(readme_method)
    assert cls.settings == frozenset({"unpaired"})
    spec = make_spec("hand2mnistm", readme_method, 0, None, {}, 16, "embedded")  # its own profile, no config
    assert spec.steps == cls.embedded_steps and spec.hparams["ngf"] == 8
    summary = train(spec, tmp_path / "run", data_root=digits_root, progress=False, threads=1)
    assert set(summary["parameters"]) == {"G", "D"} and summary["steps"] == cls.embedded_steps
    result = translate_run(tmp_path / "run", tmp_path / "run" / "translations.pt", data_root=digits_root,
                           progress=False)
    entry = result["entries"]["0>1:deterministic"]
    assert entry["images"].shape[1:] == (3, 16, 16) and len(entry["images"]) == len(entry["ids"])


def test_the_readme_example_states_its_true_official_counts(readme_method: str) -> None:
    cls = get_method(readme_method)
    assert describe(readme_method, cls.official.image_size)["parameters"] == cls.official.counts

"""One conformance suite, driven by the registry, for every registered method and a third-party plugin.

The plugin (``tests/plugin/zz_plugin_method.py``) is installed from a temporary folder as a package with an
``i2ibench.methods`` entry point; nothing is written into ``methods/``. Each method trains a few steps at a smoke
size (its embedded profile at 16 px) on every setting it supports, translates in every mode it declares, and must
be deterministic, batch-independent, resumable after SIGKILL, strict about checkpoints and, at its paper profile,
equal to the official implementation's parameter counts.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
import torch

from bench.data.loader import to_float
from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.describe import describe
from bench.errors import BenchError, ConfigError
from bench.inference import reference_indices, translate_batch
from bench.io import torch_load
from bench.registry import ENTRY_POINT_GROUP, get_method, registry
from bench.train import CHECKPOINT, load_checkpoint, make_spec, train
from bench.translate import entry_key, translate_run
from tests.helpers import train_until_killed

PLUGIN = "zz_plugin"
PLUGIN_SOURCE = Path(__file__).parent / "plugin" / "zz_plugin_method.py"
SMOKE_SIZE = 16
STEPS = 4
SETTING_TASKS = {"unpaired": "hand2mnistm", "paired": "hand2mnistm_paired", "multidomain": "digits3"}
METHODS = sorted(registry()) + [PLUGIN]
TRANSLATING = [m for m in sorted(registry()) if get_method(m).translates] + [PLUGIN]
TRAINING = [m for m in sorted(registry()) if get_method(m).embedded_steps > 0] + [PLUGIN]


@pytest.fixture(scope="module")
def fork_server() -> multiprocessing.context.BaseContext:
    """Processes forked from one server that imported torch and the harness once: a fresh interpreter per killed
    run would pay those imports (seconds on a 2-core CPU) for every method."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["torch", "bench.cli", "bench.train", "tests.helpers"])
    return context


@pytest.fixture(scope="module", autouse=True)
def plugin_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the plugin as a package with an entry point, on sys.path and PYTHONPATH, for this module only."""
    root = tmp_path_factory.mktemp("site")
    package = root / "zz_i2i_plugin"
    package.mkdir()
    shutil.copy(PLUGIN_SOURCE, package / "__init__.py")
    dist = root / "zz_i2i_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: zz-i2i-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{PLUGIN} = zz_i2i_plugin\n")
    sys.path.insert(0, str(root))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), old]))
    registry.cache_clear()
    yield root
    sys.path.remove(str(root))
    sys.modules.pop("zz_i2i_plugin", None)
    if old is None:
        os.environ.pop("PYTHONPATH")
    else:
        os.environ["PYTHONPATH"] = old
    registry.cache_clear()


def _settings(method: str) -> list[str]:
    cls = get_method(method)
    return [s for s in ("unpaired", "paired", "multidomain") if cls.supports(get_task(SETTING_TASKS[s], SMOKE_SIZE))]


def _spec(method: str, setting: str, steps: int = STEPS):
    return make_spec(SETTING_TASKS[setting], method, 0, steps, {}, SMOKE_SIZE, "embedded")


_RUNS: dict[tuple[str, str], Path] = {}


@pytest.fixture()
def trained(digits_root: Path, tmp_path_factory: pytest.TempPathFactory):
    """The smoke run of (method, setting), trained once per session."""

    def get(method: str, setting: str) -> Path:
        key = (method, setting)
        if key not in _RUNS:
            out = tmp_path_factory.mktemp(f"{method}-{setting}")
            train(_spec(method, setting), out, data_root=digits_root, progress=False, log_every=1, threads=1,
                  checkpoint_every=2, sample_every=STEPS)
            _RUNS[key] = out
        return _RUNS[key]

    return get


@pytest.mark.parametrize("method", METHODS)
def test_trains_on_every_setting_it_supports(method: str, trained) -> None:
    settings = _settings(method)
    assert settings, f"{method} supports none of the embedded tasks"
    for setting in settings:
        run = trained(method, setting)
        records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
        assert len(records) == STEPS and all(math.isfinite(v) for r in records for v in r.values())
        assert torch_load(run / CHECKPOINT)["step"] == STEPS
        summary = json.loads((run / "train_summary.json").read_text())
        roles = summary["roles"]
        assert set(get_method(method).inference) <= set(roles), "inference names networks the method lacks"
        if get_method(method).translates and roles:
            assert any(r["inference"] for r in roles.values())
        assert summary["inference_parameters"] <= sum(summary["parameters"].values())


@pytest.mark.parametrize("method", METHODS)
def test_translates_in_every_mode_and_the_same_seed_repeats(method: str, trained, digits_root: Path,
                                                            tmp_path: Path) -> None:
    cls = get_method(method)
    for setting in _settings(method):
        run = trained(method, setting)
        first = translate_run(run, tmp_path / "a.pt", k=2, n_diverse=3, data_root=digits_root, progress=False)
        second = translate_run(run, tmp_path / "b.pt", k=2, n_diverse=3, data_root=digits_root, progress=False)
        task = get_task(SETTING_TASKS[setting], SMOKE_SIZE)
        expected = {entry_key(s, t, m) for s, t in cls.task_directions(task) for m in cls.modes} \
            if cls.translates else set()
        assert set(first["entries"]) == expected
        test = read_split(task, "test", digits_root)
        for key, entry in first["entries"].items():
            images = entry["images"]
            assert images.dtype == torch.uint8 and images.shape == (len(test.sets[entry["source"]]), 3,
                                                                    SMOKE_SIZE, SMOKE_SIZE)
            assert torch.equal(images, second["entries"][key]["images"]), f"{key}: same seed, other output"
            if entry["mode"] == "reference":
                assert len(entry["reference_ids"]) == len(images)
                assert set(entry["reference_ids"]) <= set(test.sets[entry["target"]].ids)
            else:
                assert entry["reference_ids"] == []
            assert entry["samples"].shape[:2] == (3, 2)
            assert torch.equal(entry["samples"][:, 0], images[:3]), "sample seed 0 differs from the output"
            if entry["mode"] == "deterministic":
                assert torch.equal(entry["samples"][:, 0], entry["samples"][:, 1]), "a deterministic mode varied"


@pytest.mark.parametrize("method", TRANSLATING)
def test_an_image_translated_alone_equals_it_translated_in_a_batch(method: str, trained,
                                                                   digits_root: Path) -> None:
    for setting in _settings(method):
        _, model, _ = load_checkpoint(trained(method, setting), torch.device("cpu"), digits_root)
        test = read_split(model.task, "test", digits_root)
        source, target = model.task_directions(model.task)[0]
        keys = [0, 3, 5, 8, 13]
        x = to_float(test.sets[source].images[keys])
        refs = to_float(test.sets[target].images[reference_indices(len(x), len(test.sets[target]), 0, source,
                                                                   target)])
        for mode in model.modes:
            ref = refs if mode == "reference" else None
            batched = translate_batch(model, x, source=source, target=target, mode=mode, seed=1, keys=keys,
                                      reference=ref)
            for i, key in enumerate(keys):
                alone = translate_batch(model, x[i:i + 1], source=source, target=target, mode=mode, seed=1,
                                        keys=[key], reference=ref[i:i + 1] if ref is not None else None)
                torch.testing.assert_close(alone[0], batched[i], atol=1e-5, rtol=0, msg=f"{mode}, image {key}")


@pytest.mark.parametrize("method", TRAINING)
def test_sigkill_mid_run_then_resume_gives_identical_weights(method: str, trained, digits_root: Path,
                                                             fork_server, tmp_path: Path) -> None:
    setting = _settings(method)[0]
    spec = _spec(method, setting)
    killed = tmp_path / "killed"
    args = ["train", "--task", spec.task, "--method", method, "--seed", "0", "--out", str(killed), "--steps",
            str(STEPS), "--profile", "embedded", "--image-size", str(SMOKE_SIZE), "--data-root", str(digits_root),
            "--threads", "1", "--checkpoint-every", "1", "--sample-every", str(STEPS), "--quiet", "--resume"]
    child = fork_server.Process(target=train_until_killed, args=(method, 2, args))
    child.start()
    child.join()
    assert child.exitcode == -signal.SIGKILL, f"exit code {child.exitcode}: the run failed before step 2 (stderr above)"
    assert torch_load(killed / CHECKPOINT)["step"] == 2
    train(spec, killed, resume=True, data_root=digits_root, progress=False, threads=1, checkpoint_every=1,
          sample_every=STEPS)
    straight = torch_load(trained(method, setting) / CHECKPOINT)["method"]
    resumed = torch_load(killed / CHECKPOINT)["method"]
    a, b = _tensors(straight), _tensors(resumed)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize("method", METHODS)
def test_checkpoints_round_trip_strictly(method: str, trained, digits_root: Path, tmp_path: Path) -> None:
    setting = _settings(method)[0]
    run = trained(method, setting)
    _, model, ckpt = load_checkpoint(run, torch.device("cpu"), digits_root)
    state = model.state_dict()
    assert _tensors(state).keys() == _tensors(ckpt["method"]).keys()
    for key, value in _tensors(ckpt["method"]).items():
        assert torch.equal(_tensors(state)[key], value), key
    if state["nets"]:
        name = next(iter(state["nets"]))
        extra = {**state, "nets": {**state["nets"], "stranger": state["nets"][name]}}
        with pytest.raises(ConfigError, match="unknown \\['stranger'\\]"):
            model.load_state_dict(extra)
        missing = {**state, "nets": {k: v for k, v in state["nets"].items() if k != name}}
        with pytest.raises(ConfigError, match=f"missing \\['{name}'\\]"):
            model.load_state_dict(missing)
        tensor = next(iter(state["nets"][name]))
        bad = {**state, "nets": {**state["nets"], name: {k: v for k, v in state["nets"][name].items() if k != tensor}}}
        with pytest.raises(ConfigError, match=tensor.replace(".", "\\.")):
            model.load_state_dict(bad)
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    data = (copy / CHECKPOINT).read_bytes()
    (copy / CHECKPOINT).write_bytes(data[: len(data) // 2])
    with pytest.raises(BenchError) as err:
        translate_run(copy, tmp_path / "t.pt", data_root=digits_root, progress=False)
    assert str(copy / CHECKPOINT) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("method", METHODS)
def test_paper_profile_matches_the_official_parameter_counts(method: str) -> None:
    cls = get_method(method)
    if cls.official is None:
        assert not describe(method, SMOKE_SIZE, profile="paper")["parameters"], \
            f"{method} has networks but declares no official counts"
        return
    off = cls.official
    assert off.source, "official counts need their source"
    info = describe(method, off.image_size, off.hparams, "paper", off.setting, off.domains)
    trained_nets = {k: v["parameters"] for k, v in info["roles"].items() if v["role"] == "trained"}
    assert trained_nets == off.counts


@pytest.mark.parametrize("method", METHODS)
def test_profiles_and_budgets(method: str) -> None:
    cls = get_method(method)
    for setting in _settings(method):
        task = get_task(SETTING_TASKS[setting])
        paper, embedded = cls.profile(task, "paper"), cls.profile(task, "embedded")
        assert set(embedded) == set(paper), "the embedded profile may change settings, not invent them"
        assert cls.budget(task, "embedded") >= 0
        assert cls.budget(task, "embedded") == cls.embedded_steps
        for note in cls.notes(task, embedded):
            assert note.split("=")[0] not in cls.size_hparams
    with pytest.raises(ConfigError, match="unknown profile 'huge'"):
        cls.profile(get_task(SETTING_TASKS[_settings(method)[0]]), "huge")


def test_the_suite_covers_every_registered_method_and_the_plugin() -> None:
    assert PLUGIN in registry() and set(METHODS) == set(registry())
    print(f"\nconformance: {len(METHODS)} methods ({len(METHODS) - 1} registered + the plugin {PLUGIN})")


def test_ema_follows_its_network_and_is_what_translates(trained, digits_root: Path) -> None:
    _, model, _ = load_checkpoint(trained(PLUGIN, "multidomain"), torch.device("cpu"), digits_root)
    roles = model.roles()
    assert roles["mix_ema"] == {"role": "ema", "inference": True, "parameters": 21}
    assert roles["mix"]["inference"] is False and roles["head"]["role"] == "trained"
    assert not torch.equal(model.ema["mix_ema"].weight, model.nets["mix"].weight)
    assert int(model.extra["seen"]) == STEPS * model.hp["batch_size"]
    before = model.ema["mix_ema"].weight.clone()
    model.update_ema()
    expected = before.lerp(model.nets["mix"].weight, 1 - model.ema_beta)
    torch.testing.assert_close(model.ema["mix_ema"].weight, expected)


def _tensors(state: object, prefix: str = "") -> dict[str, torch.Tensor]:
    """Every tensor of a nested state dict, by dotted path."""
    if isinstance(state, torch.Tensor):
        return {prefix: state}
    if isinstance(state, dict):
        return {k: v for key, value in state.items() for k, v in _tensors(value, f"{prefix}.{key}").items()}
    if isinstance(state, (list, tuple)):
        return {k: v for i, value in enumerate(state) for k, v in _tensors(value, f"{prefix}.{i}").items()}
    return {}

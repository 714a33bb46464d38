"""Training batches: ranges, pairing, independence, and determinism per step (what resume relies on)."""

from __future__ import annotations

from pathlib import Path

import torch

from bench.data.loader import BatchSampler, to_float, to_uint8
from bench.data.readers import read_split
from bench.data.tasks import get_task


def test_unpaired_batches_draw_a_and_b_independently(digits_root: Path) -> None:
    split = read_split(get_task("hand2mnistm", 16), "train", digits_root)
    sampler = BatchSampler(split, batch_size=8, seed=0)
    batch = sampler.batch(0)
    assert batch["A"].shape == batch["B"].shape == (8, 3, 16, 16)
    assert batch["A"].min() >= -1 and batch["A"].max() <= 1
    assert batch["label_A"].dtype == torch.long
    assert batch["ids_A"] != batch["ids_B"]


def test_paired_batches_stay_aligned(digits_root: Path) -> None:
    split = read_split(get_task("hand2mnistm_paired", 16), "train", digits_root)
    batch = BatchSampler(split, batch_size=6, seed=3).batch(5)
    assert batch["ids_A"] == batch["ids_B"]
    index = {ident: i for i, ident in enumerate(split.sets[1].ids)}
    expected = to_float(split.sets[1].images[[index[i] for i in batch["ids_B"]]])
    assert torch.equal(batch["B"], expected)


def test_multidomain_batches_carry_the_domain(digits_root: Path) -> None:
    split = read_split(get_task("digits3", 16), "train", digits_root)
    batch = BatchSampler(split, batch_size=32, seed=0).batch(0)
    assert set(batch["domain"].tolist()) <= {0, 1, 2} and len(set(batch["domain"].tolist())) > 1


def test_a_step_is_a_pure_function_of_seed_and_step(digits_root: Path) -> None:
    split = read_split(get_task("hand2mnistm", 16), "train", digits_root)
    one, two = BatchSampler(split, 4, seed=1), BatchSampler(split, 4, seed=1)
    torch.manual_seed(123)
    assert torch.equal(one.batch(7)["A"], two.batch(7)["A"])
    assert not torch.equal(one.batch(7)["A"], one.batch(8)["A"])


def test_an_epoch_visits_every_image_once(digits_root: Path) -> None:
    split = read_split(get_task("hand2mnistm", 16), "train", digits_root)
    n = len(split.sets[0])
    sampler = BatchSampler(split, batch_size=n // 4, seed=0)
    seen = [i for step in range(4) for i in sampler.batch(step)["ids_A"]]
    assert len(set(seen)) == len(seen) == 4 * (n // 4)


def test_crop_and_flip_change_training_views(tmp_path: Path) -> None:
    from tests.helpers import write_cyclegan_folder
    from bench.data.tasks import Task

    write_cyclegan_folder(tmp_path / "cg", n=2, size=20)
    task = Task("t", "unpaired", ("x", "y"), 16, 20, False, True, "cg", "test")
    batch = BatchSampler(read_split(task, "train", tmp_path), 16, seed=0).batch(0)
    assert batch["A"].shape == (16, 3, 16, 16)
    assert len({tuple(img.flatten()[:8].tolist()) for img in batch["A"]}) > 2


def test_uint8_round_trip() -> None:
    x = torch.randint(0, 256, (2, 3, 4, 4), dtype=torch.uint8)
    assert torch.equal(to_uint8(to_float(x)), x)


def test_multidomain_streams_give_targets_and_same_domain_reference_pairs(digits_root: Path) -> None:
    split = read_split(get_task("digits3", 16), "train", digits_root)
    streams = frozenset({"target_domain", "reference_pair"})
    batch = BatchSampler(split, batch_size=12, seed=1, streams=streams).batch(4)
    assert batch["x_ref"].shape == batch["x_ref2"].shape == batch["x"].shape
    for key in ("ref", "ref2"):
        for domain, ident in zip(batch["target_domain"].tolist(), batch[f"ids_{key}"]):
            assert ident in split.sets[domain].ids
    again = BatchSampler(split, batch_size=12, seed=1, streams=streams).batch(4)
    assert torch.equal(batch["x_ref"], again["x_ref"]) and torch.equal(batch["target_domain"], again["target_domain"])
    assert len(set(batch["target_domain"].tolist())) > 1


def test_unsupervised_batches_withhold_domain_and_class_labels(digits_root: Path) -> None:
    split = read_split(get_task("digits3", 16), "train", digits_root)
    labelled = BatchSampler(split, batch_size=8, seed=0).batch(2)
    hidden = BatchSampler(split, batch_size=8, seed=0, streams=frozenset({"unsupervised"})).batch(2)
    assert "domain" in labelled and "label" in labelled
    assert "domain" not in hidden and not any(k.startswith("label") for k in hidden)
    assert torch.equal(hidden["x"], labelled["x"])  # the same images: only the labels are withheld


def _layouts(root: Path) -> list:
    """A small task in each of the three layouts, stored larger than trained (random crops) and flipped."""
    from bench.data.tasks import Task
    from tests.helpers import write_cyclegan_folder, write_multidomain_folder, write_pix2pix_folder

    write_cyclegan_folder(root / "cg", n=5, size=20)
    write_pix2pix_folder(root / "p2p", n=5, size=20)
    write_multidomain_folder(root / "md", ("cat", "dog", "fox"), n=3, size=20)
    return [(Task("cg", "unpaired", ("x", "y"), 16, 20, False, True, "cg", "test"), frozenset()),
            (Task("p2p", "paired", ("x", "y"), 16, 20, False, True, "p2p", "test"), frozenset()),
            (Task("md", "multidomain", ("cat", "dog", "fox"), 16, 20, False, True, "md", "test"),
             frozenset({"target_domain", "reference_pair"}))]


def _same_batch(one: dict, two: dict) -> None:
    assert one.keys() == two.keys()
    for key, value in one.items():
        assert torch.equal(value, two[key]) if isinstance(value, torch.Tensor) else value == two[key], key


def test_streamed_splits_give_the_batches_of_in_memory_ones(tmp_path: Path) -> None:
    from bench.data.lazy import FileImages

    for task, streams in _layouts(tmp_path):
        held = BatchSampler(read_split(task, "train", tmp_path), 4, seed=2, streams=streams)
        streamed_split = read_split(task, "train", tmp_path, stream=True)
        assert all(isinstance(s.images, FileImages) for s in streamed_split.sets)
        streamed = BatchSampler(streamed_split, 4, seed=2, streams=streams)
        for step in (0, 1, 7):
            _same_batch(held.batch(step), streamed.batch(step))


def test_worker_processes_make_the_same_batches_in_step_order(tmp_path: Path) -> None:
    from bench.data.loader import training_batches

    for task, streams in _layouts(tmp_path):
        sampler = BatchSampler(read_split(task, "train", tmp_path, stream=True), 3, seed=5, streams=streams)
        inline = list(training_batches(sampler, 4, 9))
        workers = list(training_batches(sampler, 4, 9, workers=2))
        assert len(inline) == len(workers) == 5
        for one, two in zip(inline, workers):
            _same_batch(one, two)


def test_a_split_too_large_to_hold_is_streamed(tmp_path: Path, monkeypatch) -> None:
    from bench import defaults
    from bench.data.lazy import FileImages

    task, _ = _layouts(tmp_path)[0]
    assert isinstance(read_split(task, "train", tmp_path, stream=None).sets[0].images, torch.Tensor)
    monkeypatch.setattr(defaults, "STREAM_ABOVE_BYTES", 5 * 3 * 20 * 20)  # just under the two domains' 10 images
    assert isinstance(read_split(task, "train", tmp_path, stream=None).sets[0].images, FileImages)


def test_an_unreadable_image_met_while_streaming_stops_with_its_name(tmp_path: Path) -> None:
    import pytest

    from bench.data.loader import training_batches
    from bench.errors import DataError

    task, _ = _layouts(tmp_path)[0]
    sampler = BatchSampler(read_split(task, "train", tmp_path, stream=True), 10, seed=0)
    bad = tmp_path / "cg" / "trainA" / "trainA_3.png"
    bad.write_bytes(bad.read_bytes()[:60])  # truncated after the split was listed
    for workers in (0, 2):
        with pytest.raises(DataError) as err:
            list(training_batches(sampler, 0, 2, workers=workers))
        assert str(err.value).startswith(str(bad)) and "\n" not in str(err.value)

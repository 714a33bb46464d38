"""Score a run's translations with every metric that applies, and the real-data floor of a task."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from bench import defaults
from bench.data.readers import Split, attribute_sets, read_split
from bench.data.tasks import MULTI_TARGET, Task, get_task
from bench.errors import ConfigError
from bench.io import read_json, write_json
from bench.metrics.accuracy import (classifier_accuracy, clustering_accuracy, content_accuracy, has_classifier,
                                    has_clusterer)
from bench.metrics.backbones import INCEPTION, Backbone, evalnet_backbone, resolve_backbone
from bench.metrics.distances import AlexLPIPS, Distance, EvalnetLPIPS
from bench.metrics.diversity import lpips_diversity
from bench.metrics.evalnet import DigitNet
from bench.metrics.fidelity import fid_kid, kid_subset_size
from bench.metrics.paired import paired_fidelity
from bench.metrics.protocol import library_versions, protocol_hash
from bench.runtime import pick_device
from bench.train import SUMMARY, load_checkpoint, load_spec
from bench.translate import load_translations

FLOOR = "real-data floor"


@dataclass
class MetricContext:
    """The backbone, evaluation network and perceptual distance that score one task."""

    task: Task
    backbone: Backbone
    evalnet: DigitNet | None
    device: torch.device
    cache_root: Path
    pairing: str = defaults.DIVERSITY_PAIRS
    kid_subsets: int = defaults.KID_SUBSETS
    _distance: Distance | None = field(default=None, repr=False)

    @classmethod
    def for_task(cls, task: Task, *, evalnet: str | Path | None = None, inception_weights: str | Path | None = None,
                 device: str | None = None, cache_root: str | Path | None = None,
                 pairing: str = defaults.DIVERSITY_PAIRS, kid_subsets: int = defaults.KID_SUBSETS) -> "MetricContext":
        dev = pick_device(device)
        if task.suite == "digits":
            backbone, net = evalnet_backbone(evalnet)
            net = net.to(dev)
        else:
            backbone, net = resolve_backbone(INCEPTION, inception_weights), None
        return cls(task, backbone, net, dev, defaults.cache_root(cache_root), pairing, kid_subsets)

    @property
    def distance(self) -> Distance:
        if self._distance is None:
            self._distance = EvalnetLPIPS(self.evalnet, self.device) if self.evalnet is not None \
                else AlexLPIPS(self.device)
        return self._distance

    def cache_name(self, domain: int, n_real: int) -> str:
        task = self.task
        return f"{task.board}-{task.domains[domain]}-test-{task.image_size}px-n{n_real}-{self.backbone.key}"

    def fid_kid(self, fake: torch.Tensor, real: torch.Tensor, domain: int) -> dict[str, float]:
        return fid_kid(fake, real, self.backbone, real_cache_name=self.cache_name(domain, len(real)),
                       cache_root=self.cache_root, kid_subsets=self.kid_subsets)

    def protocol(self, n_real: int, n_fake: int, diversity: dict | None, seed: int,
                 weight_average: float = 0.0) -> dict[str, Any]:
        record = {
            "backbone": self.backbone.name, "backbone_weights": self.backbone.weights.name,
            "backbone_sha256": self.backbone.sha256, "feature_layer": self.backbone.layer,
            "image_size": self.task.image_size, "resize": self.backbone.resize, "real_split": "test",
            "n_real": n_real, "n_fake": n_fake, "kid_subset_size": kid_subset_size(n_fake, n_real),
            "kid_subsets": self.kid_subsets, "kid_seed": defaults.METRICS_SEED,
            "lpips": EvalnetLPIPS.name if self.evalnet is not None else AlexLPIPS.name,
            "lpips_pairs": diversity["pairs"] if diversity else None,
            "diversity_k": diversity["k"] if diversity else None, "diversity_n": diversity["n"] if diversity else None,
            "seed": seed, "versions": library_versions(),
        }
        if weight_average:  # translations from weight averages (bench.averaging): another protocol
            record["weight_average"] = weight_average
        record["hash"] = protocol_hash(record)
        return record


def _score_entry(ctx: MetricContext, test: Split, entry: dict) -> dict[str, float]:
    source, target = entry["source"], entry["target"]
    src = test.sets[source]
    if list(entry["ids"]) != src.ids:
        raise ConfigError(f"translations of {ctx.task.domains[source]} do not match the test set of task "
                          f"{ctx.task.name!r} (different image ids); translate the run again")
    fake = entry["images"]
    scores = ctx.fid_kid(fake, test.sets[target].images, target)
    if ctx.evalnet is not None and src.labels is not None:
        scores["content_acc"] = content_accuracy(ctx.evalnet, fake, src.labels)
    if "samples" in entry:
        scores["lpips_diversity"] = lpips_diversity(entry["samples"], ctx.distance, ctx.pairing)
    if test.paired and (source, target) == (0, 1):
        scores.update(paired_fidelity(fake, test.sets[1].images, ctx.distance))
    return scores


def _summary(task: Task, directions: dict[str, dict[str, float]]) -> dict[str, float]:
    """Two-domain tasks: the main direction (A→B); multi-domain and attribute tasks: the mean over all directions."""
    if not directions:
        return {}
    if task.setting not in MULTI_TARGET:
        return dict(next(iter(directions.values())))
    keys = set.intersection(*(set(d) for d in directions.values()))
    return {k: sum(d[k] for d in directions.values()) / len(directions) for k in sorted(keys)}


def _cost(run_dir: Path, translations: dict) -> dict[str, Any]:
    """Cost columns; ``parameters_total`` counts the networks one translation uses (all of them if none does)."""
    summary = read_json(run_dir / SUMMARY) if (run_dir / SUMMARY).is_file() else {}
    params = summary.get("parameters", {})
    used = summary.get("inference_parameters") or sum(params.values())
    return {"parameters": params, "roles": summary.get("roles", {}), "parameters_total": used,
            "train_images_per_s": summary.get("train_images_per_s"), "train_wall_s": summary.get("wall_s"),
            "peak_memory_mb": summary.get("peak_memory_mb"), "device": summary.get("device"),
            "numerics": summary.get("numerics", {}),
            "translate_images_per_s": translations.get("translate_images_per_s")}


def evaluate_run(run_dir: str | Path, translations_path: str | Path, out: str | Path, *,
                 evalnet: str | Path | None = None, inception_weights: str | Path | None = None,
                 pairing: str = defaults.DIVERSITY_PAIRS, kid_subsets: int = defaults.KID_SUBSETS,
                 cache_root: str | Path | None = None, data_root: str | Path | None = None,
                 device: str | None = None) -> dict:
    """Every metric that applies, for every (source, target, mode) translated, with cost and a protocol record.

    ``rows`` holds one entry per mode (the board's rows): its summary metrics and its per-direction table.
    """
    run_dir = Path(run_dir)
    spec = load_spec(run_dir)
    task, cls = spec.resolve()
    translations = load_translations(translations_path)
    if (translations["task"], translations["method"]) != (task.name, cls.name):
        raise ConfigError(f"{translations_path}: translations of {translations['method']} on {translations['task']}, "
                          f"not of the run {run_dir} ({cls.name} on {task.name})")
    test = read_split(task, "test", data_root)
    ctx = MetricContext.for_task(task, evalnet=evalnet, inception_weights=inception_weights, device=device,
                                 cache_root=cache_root, pairing=pairing, kid_subsets=kid_subsets)
    classifier = {}
    if has_classifier(cls) and task.labels and task.setting != "multidomain":
        _, method, _ = load_checkpoint(run_dir, ctx.device, data_root)
        classifier["classifier_acc"] = classifier_accuracy(method, test.sets[1].images, test.sets[1].labels)
    if has_clusterer(cls) and task.setting == "multidomain":  # the test split's domains, found without labels
        _, method, _ = load_checkpoint(run_dir, ctx.device, data_root)
        domains = torch.cat([torch.full((len(s),), d, dtype=torch.long) for d, s in enumerate(test.sets)])
        classifier["cluster_acc"] = clustering_accuracy(method, torch.cat([s.images for s in test.sets]), domains)
    entries = list(translations["entries"].values())
    rows = []
    for mode in translations["modes"] if entries else [""]:
        directions = {f"{task.domains[e['source']]}→{task.domains[e['target']]}": _score_entry(ctx, test, e)
                      for e in entries if e["mode"] == mode}
        rows.append({"mode": mode, "metrics": {**_summary(task, directions), **classifier}, "directions": directions})
    samples = [e["samples"] for e in entries if e["mode"] != "deterministic"] or [e["samples"] for e in entries]
    diversity = ({"k": samples[0].shape[1], "n": samples[0].shape[0], "pairs": pairing} if samples else None)
    n_real = len(test.sets[1 if task.setting != "multidomain" else 0])
    n_fake = len(entries[0]["images"]) if entries else 0
    result = {"task": task.name, "board": task.board, "method": cls.name, "seed": spec.seed, "steps": spec.steps,
              "profile": spec.profile, "notes": cls.notes(task, spec.hparams), "setting": task.setting,
              "supervision": cls.supervision_on(task), "rows": rows, "cost": _cost(run_dir, translations),
              "protocol": ctx.protocol(n_real, n_fake, diversity, spec.seed, spec.weight_average)}
    write_json(out, result)
    return result


def _resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Centre-crop-free resize of uint8 images to size×size (train images are stored at the load size)."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    x = F.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return x.round().clamp(0, 255).to(torch.uint8)


def evaluate_floor(task_name: str, out: str | Path, *, image_size: int | None = None,
                   evalnet: str | Path | None = None, inception_weights: str | Path | None = None,
                   cache_root: str | Path | None = None, data_root: str | Path | None = None,
                   device: str | None = None, seed: int = defaults.METRICS_SEED,
                   kid_subsets: int = defaults.KID_SUBSETS) -> dict:
    """The real-data floor: real target-domain training images scored as if they were translations.

    Scored for every domain a method may translate into (the summary is the main target, B, or the mean over
    domains), which also computes and caches the real test features that every evaluation of the task reuses.
    """
    task = get_task(task_name, image_size)
    train, test = read_split(task, "train", data_root, stream=None), read_split(task, "test", data_root)
    ctx = MetricContext.for_task(task, evalnet=evalnet, inception_weights=inception_weights, device=device,
                                 cache_root=cache_root, kid_subsets=kid_subsets)
    targets = [1, 0] if task.setting not in MULTI_TARGET else list(range(len(task.domains)))
    train_sets = attribute_sets(task, train.sets[0]) if task.setting == "attributes" else train.sets
    directions = {}
    gen = torch.Generator().manual_seed(seed)
    for t in targets:
        real = test.sets[t]
        pool = train_sets[t].images
        fake = _resize(pool[torch.randperm(len(pool), generator=gen)[:len(real)]], task.image_size)
        scores = ctx.fid_kid(fake, real.images, t)
        if ctx.evalnet is not None and real.labels is not None:
            scores["content_acc"] = content_accuracy(ctx.evalnet, real.images, real.labels)
        directions[f"train→test {task.domains[t]}"] = scores
    n_real = len(test.sets[targets[0]])
    result = {"task": task.name, "board": task.board, "method": FLOOR, "seed": seed, "steps": 0, "profile": "",
              "notes": [], "setting": task.setting, "supervision": "none",
              "rows": [{"mode": "", "metrics": _summary(task, directions), "directions": directions}], "cost": {},
              "protocol": ctx.protocol(n_real, n_real, None, seed)}
    write_json(out, result)
    return result

"""Metrics: FID/KID through torch-fidelity agree with independent maths; floors, diversity, caching, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
import torch_fidelity
from PIL import Image
from torch_fidelity.defaults import DEFAULTS as FIDELITY_DEFAULTS

from bench.errors import ConfigError, MissingWeightsError
from bench.metrics.backbones import EvalnetExtractor, alexnet_weights, inception_weights, resolve_backbone
from bench.metrics.distances import AlexLPIPS, EvalnetLPIPS
from bench.metrics.diversity import lpips_diversity, output_pairs
from bench.metrics.evalnet import load_evalnet, train_evalnet
from bench.metrics.fidelity import kid_subset_size
from bench.metrics.paired import paired_fidelity
from bench.metrics.score import score_folders


@pytest.fixture(scope="module")
def evalnet_file(digits_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evalnet") / "digits.pt"
    train_evalnet("digits", path, steps=150, batch_size=32, data_root=digits_root, progress=False)
    return path


def _write_folder(folder: Path, seed: int, n: int, tint: int) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for i in range(n):
        base = rng.integers(0, 200, (32, 32, 3)) + np.array([tint, 0, 0])
        Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).save(folder / f"{i:03d}.png")
    return folder


def _frechet(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def _unbiased_poly_mmd(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())


def _features(folder: Path, extractor: torch.nn.Module) -> np.ndarray:
    imgs = torch.stack([torch.from_numpy(np.array(Image.open(p).convert("RGB"))).permute(2, 0, 1)
                        for p in sorted(folder.glob("*.png"))])
    with torch.no_grad():
        return extractor(imgs)[0].double().numpy()


@pytest.mark.parametrize("backbone", ["inception-v3-compat", "evalnet-digits"])
def test_score_equals_torch_fidelity_and_independent_maths(backbone: str, tmp_path: Path, random_inception: Path,
                                                           evalnet_file: Path) -> None:
    weights = random_inception if backbone == "inception-v3-compat" else evalnet_file
    fake, real = _write_folder(tmp_path / "fake", 1, 12, 50), _write_folder(tmp_path / "real", 2, 10, 0)
    ours = score_folders(fake, real, backbone, weights)
    bb = resolve_backbone(backbone, weights)
    seed = FIDELITY_DEFAULTS["rng_seed"]  # score_folders keeps torch-fidelity's own KID seed
    direct = torch_fidelity.calculate_metrics(
        input1=str(fake), input2=str(real), fid=True, kid=True, feature_extractor=bb.name,
        feature_extractor_weights_path=str(weights), feature_layer_fid=bb.layer, feature_layer_kid=bb.layer,
        kid_subset_size=10, rng_seed=seed, cuda=False, verbose=False, cache=False, save_cpu_ram=True)
    assert ours["fid"] == pytest.approx(direct["frechet_inception_distance"], rel=1e-4)
    assert ours["kid"] == pytest.approx(direct["kernel_inception_distance_mean"], rel=1e-4)
    assert ours["protocol"]["kid_subset_size"] == 10 == kid_subset_size(12, 10)
    assert ours["protocol"]["kid_seed"] == seed
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

    extractor = FEATURE_EXTRACTORS_REGISTRY[bb.name](bb.name, [bb.layer], feature_extractor_weights_path=str(weights))
    extractor.eval()
    f_fake, f_real = _features(fake, extractor), _features(real, extractor)
    assert ours["fid"] == pytest.approx(_frechet(f_fake, f_real), rel=1e-3, abs=1e-6)
    # KID averages the unbiased polynomial MMD over random subsets; draw the same subsets (the same seed).
    rng = np.random.RandomState(seed)
    mmds = []
    for _ in range(100):
        mmds.append(_unbiased_poly_mmd(f_fake[rng.choice(12, 10, replace=False)],
                                       f_real[rng.choice(10, 10, replace=False)]))
    assert ours["kid"] == pytest.approx(np.mean(mmds), rel=1e-3, abs=1e-7)


def test_floor_is_far_below_identity(digits_root: Path, evalnet_file: Path, tmp_path: Path) -> None:
    from bench.metrics.evaluate import evaluate_floor, evaluate_run
    from bench.train import make_spec, train
    from bench.translate import translate_run

    floor = evaluate_floor("hand2mnistm", tmp_path / "floor.json", image_size=16, evalnet=evalnet_file,
                           cache_root=tmp_path / "cache", data_root=digits_root)
    run = tmp_path / "identity"
    train(make_spec("hand2mnistm", "identity", 0, 0, {}, 16), run, data_root=digits_root, progress=False)
    translate_run(run, run / "translations.pt", data_root=digits_root, progress=False)
    ident = evaluate_run(run, run / "translations.pt", run / "metrics.json", evalnet=evalnet_file,
                         cache_root=tmp_path / "cache", data_root=digits_root)
    assert [r["mode"] for r in floor["rows"]] == [""] and [r["mode"] for r in ident["rows"]] == ["deterministic"]
    floor_metrics, ident_metrics = floor["rows"][0]["metrics"], ident["rows"][0]["metrics"]
    assert floor_metrics["fid"] * 5 < ident_metrics["fid"]
    assert ident_metrics["kid"] > floor_metrics["kid"]
    assert ident["protocol"]["hash"] == floor["protocol"]["hash"]
    assert set(ident["rows"][0]["directions"]) == {"hand→mnistm", "mnistm→hand"}
    assert 0 <= ident_metrics["content_acc"] <= 1
    fewer = evaluate_run(run, run / "translations.pt", tmp_path / "fewer.json", evalnet=evalnet_file,
                         cache_root=tmp_path / "cache", data_root=digits_root, kid_subsets=7)
    assert fewer["protocol"]["kid_subsets"] == 7 and ident["protocol"]["kid_subsets"] == 100
    assert fewer["protocol"]["hash"] != ident["protocol"]["hash"]
    assert fewer["rows"][0]["metrics"]["fid"] == pytest.approx(ident_metrics["fid"])
    # the workflow's one-process form, `evaluate --translate`, writes the same translations and the same scores
    from bench.cli import main

    main(["evaluate", "--run", str(run), "--translate", "--translations", str(tmp_path / "both.pt"), "--out",
          str(tmp_path / "both.json"), "--evalnet", str(evalnet_file), "--cache", str(tmp_path / "cache"),
          "--data-root", str(digits_root), "--quiet"])
    both = json.loads((tmp_path / "both.json").read_text())
    assert both["rows"] == ident["rows"] and both["protocol"] == ident["protocol"]
    assert torch.equal(torch.load(tmp_path / "both.pt", weights_only=True)["entries"]["0>1:deterministic"]["images"],
                       torch.load(run / "translations.pt", weights_only=True)["entries"]["0>1:deterministic"]["images"])


def test_lpips_diversity_is_zero_for_identical_outputs(evalnet_file: Path) -> None:
    net, _ = load_evalnet(evalnet_file)
    distance = EvalnetLPIPS(net)
    torch.manual_seed(0)
    same = torch.randint(0, 256, (5, 1, 3, 16, 16), dtype=torch.uint8).expand(5, 4, 3, 16, 16).contiguous()
    assert lpips_diversity(same, distance) == pytest.approx(0.0, abs=1e-7)
    different = torch.randint(0, 256, (5, 4, 3, 16, 16), dtype=torch.uint8)
    assert lpips_diversity(different, distance) > 0.05
    assert lpips_diversity(different, distance, "consecutive") > 0.05
    assert len(output_pairs(10, "all")) == 45 and len(output_pairs(10, "consecutive")) == 9
    with pytest.raises(ConfigError, match="unknown LPIPS pairing"):
        output_pairs(3, "random")


def test_alexnet_lpips_through_the_lpips_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torchvision

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(MissingWeightsError, match=r"alexnet-owt-7be5be79\.pth.*download\.pytorch\.org"):
        alexnet_weights()
    torch.manual_seed(0)
    (tmp_path / "torch" / "hub" / "checkpoints").mkdir(parents=True)
    torch.save(torchvision.models.alexnet().state_dict(), tmp_path / "torch/hub/checkpoints/alexnet-owt-7be5be79.pth")
    distance = AlexLPIPS()
    x = torch.randint(0, 256, (3, 3, 64, 64), dtype=torch.uint8)
    y = torch.randint(0, 256, (3, 3, 64, 64), dtype=torch.uint8)
    assert distance(x, x).abs().max() < 1e-6
    assert (distance(x, y) > 0).all()


def test_missing_weights_say_which_file_and_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(MissingWeightsError, match=r"weights-inception-2015-12-05-6726825d\.pth.*hub/checkpoints"):
        inception_weights()
    with pytest.raises(MissingWeightsError, match=r"nowhere\.pth: evaluation network not found; train it with "
                                                  r"`python -m bench evalnet"):
        resolve_backbone("evalnet-digits", tmp_path / "nowhere.pth")
    with pytest.raises(ConfigError, match="unknown backbone 'vgg'"):
        resolve_backbone("vgg")


def test_paired_fidelity_of_perfect_and_noisy_outputs(evalnet_file: Path) -> None:
    net, _ = load_evalnet(evalnet_file)
    torch.manual_seed(0)
    truth = torch.randint(0, 256, (6, 3, 16, 16), dtype=torch.uint8)
    perfect = paired_fidelity(truth, truth, EvalnetLPIPS(net))
    assert perfect["l1"] == 0 and perfect["ssim"] == pytest.approx(1.0) and perfect["psnr"] > 100
    noisy = paired_fidelity((truth.int() + 20).clamp(0, 255).to(torch.uint8), truth, EvalnetLPIPS(net))
    assert 20 < noisy["psnr"] < 40 and noisy["ssim"] < 1 and noisy["l1"] > 0


def test_real_features_are_computed_once_for_many_methods(digits_root: Path, evalnet_file: Path,
                                                          tmp_path: Path) -> None:
    from bench.metrics.evaluate import evaluate_run
    from bench.train import make_spec, train
    from bench.translate import translate_run

    runs = []
    for task, method, hp in [("hand2mnistm", "identity", {}),
                             ("hand2mnistm", "cyclegan", {"ngf": 4, "ndf": 4, "n_blocks": 1, "batch_size": 2}),
                             ("hand2mnistm_paired", "pix2pix", {"ngf": 4, "ndf": 4, "batch_size": 2})]:
        run = tmp_path / method
        train(make_spec(task, method, 0, 3, hp, 16), run, data_root=digits_root, progress=False)
        translate_run(run, run / "translations.pt", data_root=digits_root, progress=False)
        runs.append(run)
    EvalnetExtractor.images_seen = 0
    results = [evaluate_run(run, run / "translations.pt", run / "metrics.json", evalnet=evalnet_file,
                            cache_root=tmp_path / "cache", data_root=digits_root) for run in runs]
    n_test = 40
    fakes = sum(len(row["directions"]) for r in results for row in r["rows"]) * n_test
    real_sides = 2  # mnistm (shared by all three: one test set) and hand (cyclegan/identity's B→A)
    assert EvalnetExtractor.images_seen == fakes + real_sides * n_test
    assert [row["mode"] for row in results[2]["rows"]] == ["latent"]  # pix2pix: dropout noise at test time
    assert "psnr" in results[2]["rows"][0]["metrics"] and "psnr" not in results[1]["rows"][0]["metrics"]
    assert results[2]["supervision"] == "paired" and results[1]["cost"]["parameters_total"] > 0

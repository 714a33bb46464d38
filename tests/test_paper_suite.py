"""The paper suite's code path end to end on real-layout archives served from 127.0.0.1.

`config/paper.yaml` as it is, plus a small override file: its pix2pix set (facades, trust on first use) comes
from a mirror of the original server, and an unpaired set in the CycleGAN layout from a tasks file's archive
address with its SHA-256. Snakemake downloads, verifies and extracts both, trains the paper configurations for
two steps at 32 px, translates, scores (Inception and AlexNet with random weights: nothing can be downloaded here)
and publishes the leaderboard. A checksum mismatch, a truncated archive and a member escaping its folder each
stop `python -m bench data fetch` with one line and leave nothing behind.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from PIL import Image

from tests.test_download import ArchiveHandler

REPO = Path(__file__).resolve().parents[1]
UNPAIRED = "tiny2zebra"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("served")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (ArchiveHandler,), {"served": folder}))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", folder
    httpd.shutdown()


def _jpeg(seed: int, width: int, height: int) -> bytes:
    out = io.BytesIO()
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(out, format="JPEG")
    return out.getvalue()


def facades_tar(n: int = 3) -> bytes:
    """facades.tar.gz as the pix2pix server lays it out: facades/{train,test,val}/<k>.jpg, two halves side by side."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for s, split in enumerate(("train", "test", "val")):
            for k in range(1, n + 1):
                data = _jpeg(10 * k + s, 72, 36)
                info = tarfile.TarInfo(f"facades/{split}/{k}.jpg")
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def cyclegan_zip(top: str, n: int = 3, extra: dict[str, bytes] | None = None) -> bytes:
    """An archive in the CycleGAN server's layout: <top>/{trainA,trainB,testA,testB}/<k>.jpg."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for s, split in enumerate(("trainA", "trainB", "testA", "testB")):
            for k in range(n):
                zf.writestr(f"{top}/{split}/{k}_{split[-1]}.jpg", _jpeg(100 * s + k, 36, 36))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def tasks_file(path: Path, name: str, url: str, sha256: str) -> Path:
    path.write_text(yaml.safe_dump({"tasks": [{
        "name": name, "setting": "unpaired", "domains": ["horse", "zebra"], "image_size": 32, "load_size": 36,
        "flip": True, "url": url, "sha256": sha256}]}))
    return path


def test_the_paper_suite_runs_end_to_end_on_served_archives(served, torch_home: Path, random_inception: Path,
                                                            tmp_path: Path) -> None:
    url, folder = served
    (folder / "pix2pix" / "datasets").mkdir(parents=True)
    (folder / "pix2pix" / "datasets" / "facades.tar.gz").write_bytes(facades_tar())
    zebra = cyclegan_zip(UNPAIRED)
    (folder / f"{UNPAIRED}.zip").write_bytes(zebra)
    tasks = tasks_file(tmp_path / "tasks.yaml", UNPAIRED, f"{url}/{UNPAIRED}.zip", hashlib.sha256(zebra).hexdigest())
    override = tmp_path / "tiny.yaml"
    override.write_text(yaml.safe_dump({
        "tasks": ["facades", UNPAIRED], "tasks_file": str(tasks), "dataset_mirror": url, "image_size": 32,
        "methods": ["pix2pix", "cyclegan"], "seeds": [0], "gpu": False, "inception_weights": str(random_inception),
        "threads": {"train": 1, "evaluate": 1, "evalnet": 1}, "metrics": {"k": 2, "n": 2, "pairs": "all",
                                                                         "kid_subsets": 2},
        "method_settings": {"pix2pix": {"steps": 2}, "cyclegan": {"steps": 2}},
        "sample_every": 2, "checkpoint_every": 2}))
    env = {**os.environ, "TORCH_HOME": str(torch_home)}
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                             str(tmp_path), "--configfile", str(REPO / "config" / "paper.yaml"), str(override),
                             "--cores", "2", "results/leaderboard.csv"], capture_output=True, text=True, timeout=900,
                            env=env)
    logs = "\n".join(f"--- {p}\n{p.read_text()[-1500:]}" for p in (tmp_path / "logs").rglob("*.log"))
    assert result.returncode == 0, result.stderr[-3000:] + logs
    data = tmp_path / "resources" / "data"
    assert (data / "facades" / "val").is_dir() and (data / UNPAIRED / "trainB").is_dir()
    assert "facades" in (data / "datasets.lock.json").read_text()  # trust on first use: the archive's hash kept
    board = pd.read_csv(tmp_path / "results" / "leaderboard.csv")
    for task, method in (("facades", "pix2pix"), (UNPAIRED, "cyclegan")):
        row = board[(board.task == task) & (board.method == method)]
        assert len(row) == 1 and np.isfinite(row.fid_mean.iloc[0]) and row.profile.iloc[0] == "paper", (task, method)
    summary = yaml.safe_load((tmp_path / "runs" / "facades" / "pix2pix" / "seed0" / "train_summary.json").read_text())
    assert summary["steps"] == 2 and summary["data"]["workers"] == 4


@pytest.mark.parametrize("case", ["checksum", "truncated", "escaping"])
def test_a_bad_archive_stops_the_fetch_with_one_line_and_leaves_nothing(served, tmp_path: Path, case: str) -> None:
    url, folder = served
    env = {**os.environ, "I2IBENCH_MIRROR": f"{url}/{case}"}
    name, data_root = "facades", tmp_path / "data"
    if case == "truncated":  # facades (no published checksum) served cut short of its end
        whole = facades_tar()
        (folder / case / "pix2pix" / "datasets").mkdir(parents=True)
        (folder / case / "pix2pix" / "datasets" / "facades.tar.gz").write_bytes(whole[:len(whole) * 2 // 3])
        needle = "the archive is truncated or corrupt"
    else:
        name = f"bad_{case}"
        archive = cyclegan_zip(name, extra={"../../escaped.txt": b"outside"} if case == "escaping" else None)
        (folder / f"{name}.zip").write_bytes(archive)
        sha = "0" * 64 if case == "checksum" else hashlib.sha256(archive).hexdigest()
        env["I2IBENCH_TASKS"] = str(tasks_file(tmp_path / "tasks.yaml", name, f"{url}/{name}.zip", sha))
        needle = "does not match the expected" if case == "checksum" else "would be written outside"
    result = subprocess.run([sys.executable, "-m", "bench", "data", "fetch", name, "--data-root", str(data_root),
                             "--quiet"], capture_output=True, text=True, timeout=300, env=env, cwd=REPO)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and needle in result.stderr
    assert list(data_root.iterdir()) == []  # no folder, no kept download, no recorded checksum
    assert not list(tmp_path.rglob("escaped.txt"))

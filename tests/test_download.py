"""Standard-dataset downloads against a local HTTP server: verified, safely extracted, atomic."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from functools import partial
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
import torch
from PIL import Image

from bench.data.download import LOCK_FILE, DatasetEntry, download_dataset
from bench.data.readers import read_split, train_images
from bench.data.standard import all_datasets, get_dataset
from bench.data.torchvision_digits import build_pair
from bench.data.tasks import Task, get_task
from bench.errors import ChecksumError, ConfigError, DataError, UnsafeArchiveError
from tests.helpers import write_cyclegan_folder, write_image, write_pix2pix_folder


class ArchiveHandler(http.server.BaseHTTPRequestHandler):
    """Serves the files of ``served``, honouring ``Range: bytes=N-`` (206) like the datasets' servers; a
    ``<file>.cut`` file holding K makes the next response of that file stop after K bytes of its body (a dropped
    connection), then disappears."""

    served: Path
    ranges = True

    def do_GET(self) -> None:
        path = self.served / self.path.lstrip("/").split("?")[0]
        if not path.is_file():
            self.send_error(404)
            return
        data, start = path.read_bytes(), 0
        asked = self.headers.get("Range", "")
        if self.ranges and asked.startswith("bytes="):
            start = int(asked[6:].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = path.with_name(path.name + ".cut")
        if cut.is_file():
            body = body[:int(cut.read_text())]
            cut.unlink()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving the files of a temporary folder."""
    served = tmp_path / "served"
    served.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (ArchiveHandler,), {"served": served}))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    httpd.shutdown()


def _zip_folder(folder: Path, top: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(folder)}")
    return buf.getvalue()


def _tar_folder(folder: Path, top: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(folder, arcname=top)
    return buf.getvalue()


def test_zip_download_is_verified_and_readable(server, tmp_path: Path) -> None:
    url, served = server
    archive = _zip_folder(write_cyclegan_folder(tmp_path / "src", n=2), "tiny2zebra")
    (served / "tiny2zebra.zip").write_bytes(archive)
    entry = DatasetEntry("tiny2zebra", f"{url}/tiny2zebra.zip", hashlib.sha256(archive).hexdigest(), "zip", "cyclegan")
    root = tmp_path / "data"
    target = download_dataset(entry, root)
    assert target == root / "tiny2zebra" and (target / "trainA").is_dir()
    task = Task("tiny2zebra", "unpaired", ("horse", "zebra"), 16, 18, False, True, "tiny2zebra", "paper")
    assert [len(s) for s in read_split(task, "test", root).sets] == [2, 2]
    assert [p.name for p in root.iterdir()] == ["tiny2zebra"]


def test_checksum_mismatch_leaves_nothing(server, tmp_path: Path) -> None:
    url, served = server
    (served / "x.zip").write_bytes(_zip_folder(write_cyclegan_folder(tmp_path / "src", n=1), "x"))
    entry = DatasetEntry("x", f"{url}/x.zip", "0" * 64, "zip", "cyclegan")
    with pytest.raises(ChecksumError, match=r"x\.zip: SHA-256 [0-9a-f]{64} does not match the expected 0{64}"):
        download_dataset(entry, tmp_path / "data")
    assert list((tmp_path / "data").iterdir()) == []


def test_trust_on_first_use(server, tmp_path: Path) -> None:
    url, served = server
    first = _tar_folder(write_pix2pix_folder(tmp_path / "src", n=2), "tinyfacades")
    (served / "tinyfacades.tar.gz").write_bytes(first)
    entry = DatasetEntry("tinyfacades", f"{url}/tinyfacades.tar.gz", None, "tar.gz", "pix2pix")
    root = tmp_path / "data"
    download_dataset(entry, root)
    lock = (root / LOCK_FILE).read_text()
    assert hashlib.sha256(first).hexdigest() in lock
    task = Task("tinyfacades", "paired", ("labels", "photo"), 16, 18, False, True, "tinyfacades", "paper")
    assert len(read_split(task, "train", root).sets[0]) == 2
    # The server now serves other bytes: a fresh download must be refused against the recorded hash.
    (served / "tinyfacades.tar.gz").write_bytes(_tar_folder(write_pix2pix_folder(tmp_path / "src2", n=3), "tinyfacades"))
    import shutil

    shutil.rmtree(root / "tinyfacades")
    with pytest.raises(ChecksumError, match="does not match"):
        download_dataset(entry, root)
    assert not (root / "tinyfacades").exists()


def test_zip_member_escaping_its_folder(server, tmp_path: Path) -> None:
    url, served = server
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("evil/trainA/ok.png", b"x")
        zf.writestr("../../escaped.txt", b"gotcha")
    (served / "evil.zip").write_bytes(buf.getvalue())
    entry = DatasetEntry("evil", f"{url}/evil.zip", hashlib.sha256(buf.getvalue()).hexdigest(), "zip", "cyclegan")
    root = tmp_path / "deep" / "data"
    with pytest.raises(UnsafeArchiveError, match=r"member '\.\./\.\./escaped\.txt' would be written outside"):
        download_dataset(entry, root)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert list(root.iterdir()) == []


def test_tar_symlink_member_is_refused(server, tmp_path: Path) -> None:
    url, served = server
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("evil/trainA/link.png")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(info)
    (served / "evil.tar.gz").write_bytes(buf.getvalue())
    entry = DatasetEntry("evil", f"{url}/evil.tar.gz", None, "tar.gz", "pix2pix")
    with pytest.raises(UnsafeArchiveError, match="link"):
        download_dataset(entry, tmp_path / "data")
    assert not (tmp_path / "data" / "evil").exists() and not (tmp_path / "data" / LOCK_FILE).exists()


def test_registered_standard_datasets() -> None:
    h2z = get_dataset("horse2zebra")
    assert h2z.sha256 == "a74d9d392eecca9966b51287a76ca126af473d9de4f3e8fc0e9cda08fa1730a1"
    assert h2z.url.endswith("/cyclegan/datasets/horse2zebra.zip") and h2z.layout == "cyclegan"
    facades = get_dataset("facades")
    assert facades.sha256 is None and facades.archive == "tar.gz" and facades.layout == "pix2pix"
    assert get_dataset("cyclegan_maps").url.endswith("/cyclegan/datasets/maps.zip")  # maps is pix2pix's
    assert len(all_datasets()) >= 22
    for entry in all_datasets():  # every dataset has a task of its name scored on a split it ships
        task = get_task(entry.name)
        assert task.dataset == entry.name and task.layout == entry.layout
        assert entry.manual or entry.build or (entry.layout == "cyclegan") == bool(entry.sha256 and entry.size)


def test_a_user_supplied_dataset_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"afhq.*no working download address; get AFHQ .*afhq/train/<cat\|dog\|wild>/"):
        read_split(get_task("afhq"), "train", tmp_path)
    assert list(tmp_path.iterdir()) == []
    root = tmp_path / "afhq"
    for split in ("train", "val"):
        for domain in ("cat", "dog", "wild"):
            write_image(root / split / domain / "0.png", (20, 20), len(domain))
    test = read_split(get_task("afhq", 16), "test", tmp_path)  # AFHQ ships val/, which is its test split
    assert [s.domain for s in test.sets] == ["cat", "dog", "wild"] and all(len(s) == 1 for s in test.sets)
    assert train_images(get_task("afhq"), tmp_path) == 3


def test_paper_budgets_count_the_training_set_where_the_paper_does_not_state_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from methods.cyclegan import CycleGAN

    task = get_task("apple2orange")
    monkeypatch.setenv("I2IBENCH_DATA", str(tmp_path))
    with pytest.raises(ConfigError, match="counted once its data is in place"):
        CycleGAN.budget(task, "paper")
    write_cyclegan_folder(tmp_path / "apple2orange", n=3)
    write_image(tmp_path / "apple2orange" / "trainB" / "extra.png", (20, 20), 7)
    assert CycleGAN.budget(task, "paper") == 200 * 4  # 200 epochs × the larger domain's 4 images ÷ batch 1


def test_datasets_lists_size_source_and_checksum_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.cli import main

    (tmp_path / LOCK_FILE).write_text('{"facades": "0123456789abcdef"}')
    (tmp_path / "horse2zebra").mkdir()
    assert main(["datasets", "--data-root", str(tmp_path)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert len(rows) >= 22
    assert "117 MB" in rows["horse2zebra"] and " yes " in rows["horse2zebra"] and "published" in rows["horse2zebra"]
    assert "recorded on first download (0123456789ab" in rows["facades"]
    assert "trust on first use" in rows["maps"] and "user-supplied" in rows["afhq"]


class _FakeDigits(torch.utils.data.Dataset):
    """A stand-in for a torchvision digit set: grey PIL images of ``size`` px and their labels."""

    def __init__(self, n: int, size: int):
        self.n, self.size = n, size

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[Image.Image, int]:
        return Image.new("L", (self.size, self.size), 20 * i), i % 10


def test_digit_pairs_are_written_from_torchvision_sets_in_place_or_not_at_all(tmp_path: Path) -> None:
    sizes = {"mnist": 28, "usps": 16}
    calls = []

    def fake_load(name: str, split: str, cache: Path) -> _FakeDigits:
        calls.append((name, split))
        return _FakeDigits(3 if split == "train" else 2, sizes[name])

    entry = dataclasses.replace(get_dataset("mnist2usps"), build=partial(build_pair, "mnist2usps", load=fake_load))
    path = download_dataset(entry, tmp_path)
    assert sorted(calls) == [("mnist", "test"), ("mnist", "train"), ("usps", "test"), ("usps", "train")]
    split = read_split(get_task("mnist2usps"), "train", tmp_path)
    assert [len(s) for s in split.sets] == [3, 3] and split.sets[1].labels.tolist() == [0, 1, 2]
    assert split.sets[0].images.shape[-1] == 32 and path == tmp_path / "mnist2usps"

    def broken(name: str, split: str, cache: Path) -> _FakeDigits:
        raise DataError(f"download of {name} failed")

    entry = dataclasses.replace(get_dataset("usps2mnist"), build=partial(build_pair, "usps2mnist", load=broken))
    with pytest.raises(DataError, match="download of usps failed"):
        download_dataset(entry, tmp_path)
    assert not (tmp_path / "usps2mnist").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".usps")]


def test_an_interrupted_download_continues_where_it_stopped(server, tmp_path: Path) -> None:
    url, served = server
    archive = _zip_folder(write_cyclegan_folder(tmp_path / "src", n=3), "cut2zebra")
    (served / "cut2zebra.zip").write_bytes(archive)
    (served / "cut2zebra.zip.cut").write_text(str(len(archive) // 3))
    entry = DatasetEntry("cut2zebra", f"{url}/cut2zebra.zip", hashlib.sha256(archive).hexdigest(), "zip", "cyclegan",
                         len(archive))
    root = tmp_path / "data"
    with pytest.raises(DataError, match=rf"after {len(archive) // 3:,} .*bytes, kept in .*run again"):
        download_dataset(entry, root)
    assert not (root / "cut2zebra").exists()
    part = root / ".downloads" / "cut2zebra.zip.part"
    assert part.stat().st_size == len(archive) // 3
    download_dataset(entry, root)  # the second attempt asks for the rest only
    assert (root / "cut2zebra" / "trainA").is_dir() and sorted(p.name for p in root.iterdir()) == ["cut2zebra"]


def test_a_server_without_ranges_restarts_the_download(server, tmp_path: Path, monkeypatch) -> None:
    url, served = server
    monkeypatch.setattr(ArchiveHandler, "ranges", False)
    archive = _tar_folder(write_pix2pix_folder(tmp_path / "src", n=2), "norange")
    (served / "norange.tar.gz").write_bytes(archive)
    (served / "norange.tar.gz.cut").write_text("100")
    entry = DatasetEntry("norange", f"{url}/norange.tar.gz", hashlib.sha256(archive).hexdigest(), "tar.gz", "pix2pix")
    with pytest.raises(DataError, match="run again"):
        download_dataset(entry, tmp_path / "data")
    download_dataset(entry, tmp_path / "data")
    assert (tmp_path / "data" / "norange" / "train").is_dir()


def test_a_truncated_archive_is_refused_and_nothing_extracted(server, tmp_path: Path) -> None:
    url, served = server
    whole = _tar_folder(write_pix2pix_folder(tmp_path / "src", n=3), "short")
    (served / "short.tar.gz").write_bytes(whole[:len(whole) // 2])  # served whole, but the archive itself is cut
    entry = DatasetEntry("short", f"{url}/short.tar.gz", None, "tar.gz", "pix2pix")
    root = tmp_path / "data"
    with pytest.raises(DataError, match=r"short\.tar\.gz: the archive is truncated or corrupt .* nothing was extracted"):
        download_dataset(entry, root)
    assert list(root.iterdir()) == []  # no folder, no partial download, no recorded checksum


def test_a_mirror_serves_the_archives_under_their_own_paths(server, tmp_path: Path, monkeypatch) -> None:
    url, served = server
    archive = _zip_folder(write_cyclegan_folder(tmp_path / "src", n=1), "m2z")
    (served / "cyclegan" / "datasets").mkdir(parents=True)
    (served / "cyclegan" / "datasets" / "m2z.zip").write_bytes(archive)
    entry = DatasetEntry("m2z", "http://efrosgans.invalid/cyclegan/datasets/m2z.zip",
                         hashlib.sha256(archive).hexdigest(), "zip", "cyclegan")
    monkeypatch.setenv("I2IBENCH_MIRROR", url + "/")
    assert (download_dataset(entry, tmp_path / "data") / "trainB").is_dir()


def test_mnistm_is_made_by_its_recipe_from_mnist_and_bsds500(server, tmp_path: Path, monkeypatch) -> None:
    from bench.data.torchvision_digits import BSDS500, MnistM, bsds500_photos

    url, served = server
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tf:  # BSR_bsds500.tgz's layout, two photos per split
        for split in ("train", "test"):
            for k in range(2):
                image = io.BytesIO()
                Image.fromarray(np.random.default_rng(k).integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(
                    image, format="PNG")
                info = tarfile.TarInfo(f"BSR/BSDS500/data/images/{split}/{k}.jpg")
                info.size = len(image.getvalue())
                tf.addfile(info, io.BytesIO(image.getvalue()))
    path = served / BSDS500.url.split("/", 3)[3]
    path.parent.mkdir(parents=True)
    path.write_bytes(archive.getvalue())
    monkeypatch.setenv("I2IBENCH_MIRROR", url)
    photos = bsds500_photos(tmp_path / "cache")
    assert len(photos) == 2 and photos[0].shape == (40, 48, 3)
    assert "bsds500" in (tmp_path / "cache" / LOCK_FILE).read_text()  # trust on first use
    mnistm = MnistM(_FakeDigits(4, 28), photos, "train")
    for i in range(4):
        image, label = mnistm[i]
        out = np.asarray(image).astype(int)
        assert out.shape == (28, 28, 3) and label == i % 10
        digit = 20 * i  # the fake digit's flat grey value
        crops = [np.abs(p[t:t + 28, l:l + 28].astype(int) - digit) for p in photos
                 for t in range(40 - 27) for l in range(48 - 27)]
        assert any(np.array_equal(out, c) for c in crops)  # |patch − digit| for one 28×28 patch of a photo
    again = MnistM(_FakeDigits(4, 28), photos, "train")
    assert np.array_equal(np.asarray(mnistm[3][0]), np.asarray(again[3][0]))
    assert not np.array_equal(np.asarray(mnistm[3][0]), np.asarray(MnistM(_FakeDigits(4, 28), photos, "test")[3][0]))


def test_a_user_supplied_archive_is_checked_for_its_layout_and_extracted(tmp_path: Path) -> None:
    from bench.data.standard import ensure_dataset

    def afhq_zip(path: Path, splits: dict[str, tuple[str, ...]]) -> Path:
        with zipfile.ZipFile(path, "w") as zf:
            for split, domains in splits.items():
                for domain in domains:
                    image = io.BytesIO()
                    Image.new("RGB", (20, 20), (len(domain) * 30, 0, 0)).save(image, format="PNG")
                    zf.writestr(f"afhq/{split}/{domain}/flickr_{domain}_000001.png", image.getvalue())
        return path

    root = tmp_path / "data"
    partial = afhq_zip(tmp_path / "partial.zip", {"train": ("cat", "dog", "wild"), "val": ("cat", "dog")})
    with pytest.raises(DataError, match=r"partial\.zip: the archive has no val/wild/ folder .*nothing was extracted"):
        ensure_dataset("afhq", root, archive=partial)
    assert partial.is_file() and list(root.iterdir()) == []  # the user's archive is left as it was
    full = afhq_zip(tmp_path / "afhq.zip", {"train": ("cat", "dog", "wild"), "val": ("cat", "dog", "wild")})
    assert ensure_dataset("afhq", root, archive=full) == root / "afhq"
    assert [len(s) for s in read_split(get_task("afhq", 16), "test", root).sets] == [1, 1, 1]
    assert "afhq" in (root / LOCK_FILE).read_text() and full.is_file()
    (tmp_path / "notes.txt").write_text("not an archive")
    with pytest.raises(DataError, match=r"notes\.txt: not an archive"):
        ensure_dataset("celeba_hq", root, archive=tmp_path / "notes.txt")


def test_a_download_survives_another_one_removing_the_shared_partial_folder(server, tmp_path: Path,
                                                                            monkeypatch) -> None:
    """Two fetch jobs side by side: the other one finishes and removes the empty `.downloads/` between this one's
    making it and opening its file there (seen in a workflow run); this one makes it again and completes."""
    url, served = server
    archive = _zip_folder(write_cyclegan_folder(tmp_path / "src", n=2), "race2zebra")
    (served / "race2zebra.zip").write_bytes(archive)
    entry = DatasetEntry("race2zebra", f"{url}/race2zebra.zip", hashlib.sha256(archive).hexdigest(), "zip",
                         "cyclegan")
    opened, real_open = [], Path.open

    def open_after_the_other_cleaned_up(self: Path, mode: str = "r", *args, **kwargs):
        if self.name.endswith(".part") and "w" in mode and not opened:
            opened.append(self)
            self.parent.rmdir()  # the other job's clean-up, at the worst moment
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_after_the_other_cleaned_up)
    root = tmp_path / "data"
    download_dataset(entry, root)
    assert opened and (root / "race2zebra" / "trainA").is_dir()
    assert sorted(p.name for p in root.iterdir()) == ["race2zebra"]

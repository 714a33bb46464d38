"""Download, verify and safely extract dataset archives; a half-finished download never looks finished."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable


from bench.errors import ChecksumError, DataError, UnsafeArchiveError
from bench.io import write_json
from bench.progress import progress_bar

LOCK_FILE = "datasets.lock.json"
CHUNK = 1 << 20


@dataclass(frozen=True)
class DatasetEntry:
    """A standard dataset archive: where it is, its SHA-256 (None: trust on first use), kind and layout."""

    name: str
    url: str
    sha256: str | None
    archive: str  # "zip", "tar.gz", or "" where the user supplies the folder
    layout: str  # "pix2pix", "cyclegan" or "multidomain"
    size: int | None = None
    manual: str = ""  # where a dataset with no working address comes from, and how to put it in place
    build: Callable[[Path, Path], Path] | None = None  # (out, cache) → out: made from other downloads, not an archive

    def checksum_status(self, root: Path) -> str:
        if self.manual:
            return "user-supplied (no archive to verify)"
        if self.build is not None:
            return "torchvision's MD5s of its sources"
        if self.sha256:
            return "published SHA-256"
        recorded = _lock(root).get(self.name)
        return f"recorded on first download ({recorded[:12]}…)" if recorded else "trust on first use (not yet fetched)"


def fetch(url: str, dest: Path, desc: str) -> str:
    """Stream ``url`` to ``dest`` with a progress bar; return the SHA-256 of what was written."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, dest.open("wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with progress_bar(total=total, unit="B", unit_scale=True, desc=desc) as bar:
                while chunk := resp.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except OSError as err:
        raise DataError(f"download of {url} failed: {err}") from None
    return digest.hexdigest()


def _checked_member(root: Path, name: str, archive: Path) -> Path:
    """The path ``name`` would extract to; refuse absolute paths, '..' and anything outside ``root``."""
    pure = PurePosixPath(name.replace("\\", "/"))
    target = (root / pure).resolve()
    if pure.is_absolute() or ".." in pure.parts or not target.is_relative_to(root.resolve()):
        raise UnsafeArchiveError(f"{archive}: member {name!r} would be written outside the target folder; "
                                 "nothing was extracted")
    return target


def safe_extract(archive: Path, kind: str, dest: Path) -> None:
    """Extract ``archive`` into ``dest`` after checking every member stays inside it (no links)."""
    dest.mkdir(parents=True, exist_ok=True)
    if kind == "zip":
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                _checked_member(dest, info.filename, archive)
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a symbolic link")
            zf.extractall(dest)
    elif kind in ("tar.gz", "tar"):
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            for m in members:
                _checked_member(dest, m.name, archive)
                if not (m.isfile() or m.isdir()):
                    raise UnsafeArchiveError(f"{archive}: member {m.name!r} is a link or device, not a file")
            tf.extractall(dest, members=members, filter="data")
    else:
        raise DataError(f"{archive}: unknown archive kind {kind!r}")


def _lock(root: Path) -> dict:
    path = root / LOCK_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def expected_sha256(entry: DatasetEntry, root: Path) -> str | None:
    return entry.sha256 or _lock(root).get(entry.name)


def download_dataset(entry: DatasetEntry, root: str | Path) -> Path:
    """Make ``root/entry.name`` hold the extracted dataset; download, verify and extract it if missing.

    The folder appears only by a final rename, so an interrupted download leaves nothing that looks done.
    Without a published checksum the first download records its SHA-256 in ``root/datasets.lock.json``
    and later downloads must match it.
    """
    root = Path(root)
    target = root / entry.name
    if target.is_dir():
        return target
    if entry.manual:
        raise DataError(f"{target}: dataset {entry.name!r} is not there and has no working download address; "
                        f"{entry.manual}")
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=root))
    try:
        if entry.build is not None:
            os.replace(entry.build(work / "built", root / ".sources"), target)
            return target
        archive = work / f"{entry.name}.{entry.archive}"
        actual = fetch(entry.url, archive, f"downloading {entry.name}")
        expected = expected_sha256(entry, root)
        if expected is not None and actual != expected:
            raise ChecksumError(f"{entry.url}: SHA-256 {actual} does not match the expected {expected}; "
                                "the download was discarded")
        extracted = work / "extracted"
        safe_extract(archive, entry.archive, extracted)
        children = [p for p in extracted.iterdir() if not p.name.startswith(("__MACOSX", "."))]
        source = children[0] if len(children) == 1 and children[0].is_dir() else extracted
        os.replace(source, target)
        if entry.sha256 is None and expected is None:
            write_json(root / LOCK_FILE, {**_lock(root), entry.name: actual})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target

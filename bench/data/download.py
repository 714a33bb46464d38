"""Download, verify and safely extract dataset archives; a half-finished download never looks finished.

An interrupted transfer keeps its bytes in ``<data root>/.downloads/`` and the next attempt continues them with an
HTTP range request (from the start where the server does not honour ranges). ``$I2IBENCH_MIRROR`` fetches every
archive from a mirror (the original address's path under the mirror's base URL) with the same checksums.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable


from bench.defaults import MIRROR_ENV
from bench.errors import ChecksumError, DataError, UnsafeArchiveError
from bench.io import sha256_file, write_json
from bench.progress import progress_bar

LOCK_FILE = "datasets.lock.json"
PARTIAL_DIR = ".downloads"
CHUNK = 1 << 20


@dataclass(frozen=True)
class DatasetEntry:
    """A standard dataset archive: where it is, its SHA-256 (None: trust on first use), kind and layout."""

    name: str
    url: str
    sha256: str | None
    archive: str  # "zip", "tar.gz", or "" where the user supplies the folder
    layout: str  # "pix2pix", "cyclegan", "multidomain" or "attributes"
    size: int | None = None
    manual: str = ""  # where a dataset with no working address comes from, and how to put it in place
    build: Callable[[Path, Path], Path] | None = None  # (out, cache) → out: made from other downloads, not an archive
    verified_by: str = ""  # how a built dataset's sources are checked
    mirrored: bool = True  # a standard archive, fetched from $I2IBENCH_MIRROR where one is set (not a user's own)

    def checksum_status(self, root: Path) -> str:
        if self.manual:
            return "user-supplied (no archive to verify)"
        if self.build is not None:
            return self.verified_by
        if self.sha256:
            return "published SHA-256"
        recorded = _lock(root).get(self.name)
        return f"recorded on first download ({recorded[:12]}…)" if recorded else "trust on first use (not yet fetched)"


def source_url(url: str) -> str:
    """``url``, or its path under ``$I2IBENCH_MIRROR`` where a mirror is set."""
    mirror = os.environ.get(MIRROR_ENV)
    return mirror.rstrip("/") + urllib.parse.urlsplit(url).path if mirror else url


def _sha256_of(path: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest


def _open_in_folder(path: Path, mode: str) -> BinaryIO:
    """Open ``path`` for writing, making its folder first. Concurrent downloads share the partial-download folder
    and each removes it once it is empty, so it can vanish between the mkdir and the open: then make it again."""
    attempts = 5
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return path.open(mode)
        except FileNotFoundError:
            attempts -= 1
            if not attempts:
                raise


def fetch(url: str, dest: Path, desc: str, size: int | None = None) -> str:
    """Stream ``url`` into ``dest`` with a progress bar and return the SHA-256 of the whole file.

    A ``dest`` left by an interrupted attempt is continued (HTTP range request), or restarted where the server
    sends the whole file. A transfer that ends before the announced (or registered) ``size`` raises DataError and
    keeps what arrived for the next attempt.
    """
    have = dest.stat().st_size if dest.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            resumed = have > 0 and resp.status == 206
            digest = _sha256_of(dest) if resumed else hashlib.sha256()
            start = have if resumed else 0
            length = int(resp.headers.get("Content-Length") or 0)
            total = start + length if length else size
            with _open_in_folder(dest, "ab" if resumed else "wb") as out, \
                    progress_bar(total=total, initial=start, unit="B", unit_scale=True, desc=desc) as bar:
                while chunk := resp.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # the kept part is not a prefix the server recognises: start again
            dest.unlink()
            return fetch(url, dest, desc, size)
        raise DataError(f"download of {url} failed: {err}") from None
    except (OSError, http.client.HTTPException) as err:
        kept = dest.stat().st_size if dest.is_file() else 0
        raise DataError(f"download of {url} stopped ({type(err).__name__}: {err}) after {kept:,} bytes, kept in "
                        f"{dest}; run again to continue it") from None
    got = dest.stat().st_size
    if total is not None and got < total:
        raise DataError(f"download of {url} ended after {got:,} of {total:,} bytes, kept in {dest}; "
                        "run again to continue it")
    return digest.hexdigest()


def _checked_member(root: Path, name: str, archive: Path | str) -> Path:
    """The path ``name`` would extract to; refuse absolute paths, '..' and anything outside ``root``."""
    pure = PurePosixPath(name.replace("\\", "/"))
    target = (root / pure).resolve()
    if pure.is_absolute() or ".." in pure.parts or not target.is_relative_to(root.resolve()):
        raise UnsafeArchiveError(f"{archive}: member {name!r} would be written outside the target folder; "
                                 "nothing was extracted")
    return target


def safe_extract(archive: Path, kind: str, dest: Path, name: str | None = None) -> None:
    """Extract ``archive`` into ``dest`` after checking every member stays inside it (no links); errors call the
    archive ``name`` (default: its path)."""
    name = name or str(archive)
    dest.mkdir(parents=True, exist_ok=True)
    if kind == "zip":
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                _checked_member(dest, info.filename, name)
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise UnsafeArchiveError(f"{name}: member {info.filename!r} is a symbolic link")
            zf.extractall(dest)
    elif kind in ("tar.gz", "tar"):
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            for m in members:
                _checked_member(dest, m.name, name)
                if not (m.isfile() or m.isdir()):
                    raise UnsafeArchiveError(f"{name}: member {m.name!r} is a link or device, not a file")
            tf.extractall(dest, members=members, filter="data")
    else:
        raise DataError(f"{name}: unknown archive kind {kind!r}")


def extract_archive(archive: Path, kind: str, dest: Path, name: str | None = None, discarded: bool = False) -> None:
    """``safe_extract``, with a truncated or corrupt archive stopped in one line (saying it is discarded when the
    caller discards it)."""
    try:
        safe_extract(archive, kind, dest, name)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as err:
        raise DataError(f"{name or archive}: the archive is truncated or corrupt ({type(err).__name__}: {err}); "
                        f"{'it was discarded and ' if discarded else ''}nothing was extracted") from None


def _lock(root: Path) -> dict:
    path = root / LOCK_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def expected_sha256(entry: DatasetEntry, root: Path) -> str | None:
    return entry.sha256 or _lock(root).get(entry.name)


def archive_kind(path: Path) -> str:
    """zip, tar.gz or tar, from a file name; anything else is an error."""
    name = path.name.lower()
    for suffix, kind in ((".zip", "zip"), (".tar.gz", "tar.gz"), (".tgz", "tar.gz"), (".tar", "tar")):
        if name.endswith(suffix):
            return kind
    raise DataError(f"{path}: not an archive this harness reads (.zip, .tar.gz, .tgz or .tar)")


def download_dataset(entry: DatasetEntry, root: str | Path, local: str | Path | None = None,
                     expect: tuple[str, ...] = ()) -> Path:
    """Make ``root/entry.name`` hold the extracted dataset; download (or take the ``local`` archive), verify and
    extract it if missing.

    The folder appears only by a final rename, so an interrupted download leaves nothing that looks done.
    Without a published checksum the first archive's SHA-256 is recorded in ``root/datasets.lock.json`` and later
    ones must match it. ``expect`` names folders the extracted set must hold (its tasks' split folders).
    """
    root = Path(root)
    target = root / entry.name
    if target.is_dir():
        return target
    if entry.manual and local is None:
        raise DataError(f"{target}: dataset {entry.name!r} is not there and has no working download address; "
                        f"{entry.manual}")
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=root))
    downloaded = local is None
    try:
        if entry.build is not None and downloaded:
            os.replace(entry.build(work / "built", root / ".sources"), target)
            return target
        if downloaded:
            source = source_url(entry.url) if entry.mirrored else entry.url
            archive, kind = root / PARTIAL_DIR / f"{entry.name}.{entry.archive}.part", entry.archive
            actual = fetch(source, archive, f"downloading {entry.name}", entry.size)
        else:
            archive = Path(local).expanduser()
            if not archive.is_file():
                raise DataError(f"{archive}: archive not found")
            source, kind, actual = str(archive), archive_kind(archive), sha256_file(archive)
        discard = archive.unlink if downloaded else (lambda: None)
        expected = expected_sha256(entry, root)
        if expected is not None and actual != expected:
            discard()
            raise ChecksumError(f"{source}: SHA-256 {actual} does not match the expected {expected}; "
                                + ("the download was discarded" if downloaded else "nothing was extracted"))
        extracted = work / "extracted"
        try:
            extract_archive(archive, kind, extracted, source, discarded=downloaded)
        except DataError:
            discard()
            raise
        children = [p for p in extracted.iterdir() if not p.name.startswith(("__MACOSX", "."))]
        tree = children[0] if len(children) == 1 and children[0].is_dir() else extracted
        missing = [folder for folder in expect if not (tree / folder).is_dir()]
        if missing:
            discard()
            raise DataError(f"{source}: the archive has no {missing[0]}/ folder (dataset {entry.name!r} needs "
                            f"{', '.join(f'{f}/' for f in expect)}); nothing was extracted")
        os.replace(tree, target)
        discard()
        if entry.sha256 is None and expected is None:
            write_json(root / LOCK_FILE, {**_lock(root), entry.name: actual})
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(OSError):  # only when empty: another download may still be using it (or removed it)
            (root / PARTIAL_DIR).rmdir()
    return target

"""The embedded digits suite: three digit domains built only from data shipped in installed packages.

- ``hand``: scikit-learn's 8×8 handwritten digits, upsampled with light random affine jitter;
- ``mnistm``: the MNIST-M recipe, ``|photo patch − digit|``, photographs from scikit-image's samples;
- ``syn``: digits rendered from matplotlib's TrueType fonts with varied pose, size and colours.

The train/test split is drawn on the source digits before any augmentation, so no test digit is ever
seen in training. Every image is a pure function of (seed, domain, source digit, rendition).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bench.errors import ConfigError
from bench.io import read_json, write_json
from bench.progress import progress_bar

DOMAINS = ("hand", "mnistm", "syn")
TASK_FOLDERS = ("hand2mnistm", "hand2mnistm_paired", "digits3")
PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg", "ihc.png",
          "motorcycle_left.png", "retina.jpg")
FONT_PREFIXES = ("DejaVuSans", "DejaVuSerif", "STIXGeneral", "cmr10", "cmss10", "cmtt10", "cmb10", "cmti10")
_DOMAIN_CODE = {"hand": 1, "mnistm": 2, "syn": 3}


@dataclass(frozen=True)
class DigitsConfig:
    seed: int = 0
    size: int = 32
    test_fraction: float = 0.2
    train_per_digit: int = 3
    test_per_digit: int = 3
    max_sources: int = 0  # 0: all 1,797 source digits; else the first N (for quick tests)

    def validate(self) -> None:
        if self.size < 8 or self.size % 4:
            raise ConfigError(f"digits size {self.size}: must be a multiple of 4 and at least 8")
        if not 0 < self.test_fraction < 1:
            raise ConfigError(f"digits test_fraction {self.test_fraction}: must lie strictly between 0 and 1")
        if self.max_sources < 0 or 0 < self.max_sources < 50:
            raise ConfigError(f"digits max_sources {self.max_sources}: use 0 (all) or at least 50")
        for key in ("train_per_digit", "test_per_digit"):
            if getattr(self, key) < 1:
                raise ConfigError(f"digits {key} {getattr(self, key)}: must be at least 1")


def split_sources(labels: np.ndarray, seed: int, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of source-digit indices into (train, test), drawn before any augmentation."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    train, test = train_test_split(idx, test_size=test_fraction, stratify=labels, random_state=seed)
    return np.sort(train), np.sort(test)


def _rng(seed: int, domain: str, source: int, rendition: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _DOMAIN_CODE[domain], source, rendition]))


def render_hand(digit8: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """An 8×8 digit (0..16) → size×size float image in [0, 1], with random rotation, scale, shear, shift."""
    from skimage.transform import AffineTransform, resize, warp

    inner = round(size * 0.75)
    up = np.clip(resize(digit8 / 16.0, (inner, inner), order=3, anti_aliasing=False), 0, 1)
    canvas = np.zeros((size, size))
    off = (size - inner) // 2
    canvas[off:off + inner, off:off + inner] = up
    c = (size - 1) / 2
    jitter = AffineTransform(scale=rng.uniform(0.85, 1.1), rotation=np.deg2rad(rng.uniform(-12, 12)),
                             shear=rng.uniform(-0.15, 0.15),
                             translation=rng.uniform(-2, 2, size=2) * size / 32)
    tf = AffineTransform(translation=(-c, -c)) + jitter + AffineTransform(translation=(c, c))
    return np.clip(warp(canvas, tf.inverse, order=1, mode="constant"), 0, 1)


def load_photos(short_side: int = 160) -> list[np.ndarray]:
    """scikit-image's colour sample photographs, rescaled so that patches hold texture, as uint8 H×W×3."""
    import skimage.data

    folder = Path(skimage.data.__file__).parent
    photos = []
    for name in PHOTOS:
        with Image.open(folder / name) as img:
            pil = img.convert("RGB")
        scale = short_side / min(pil.size)
        pil = pil.resize((round(pil.size[0] * scale), round(pil.size[1] * scale)), Image.BICUBIC)
        photos.append(np.asarray(pil))
    return photos


def render_mnistm(digit: np.ndarray, rng: np.random.Generator, photos: list[np.ndarray]) -> np.ndarray:
    """The MNIST-M blend of a [0, 1] digit with a random photo patch: ``|patch − digit|``, uint8 RGB."""
    size = digit.shape[0]
    photo = photos[rng.integers(len(photos))]
    top = rng.integers(0, photo.shape[0] - size + 1)
    left = rng.integers(0, photo.shape[1] - size + 1)
    patch = photo[top:top + size, left:left + size].astype(np.float64)
    return np.abs(patch - digit[..., None] * 255.0).round().astype(np.uint8)


def find_fonts() -> list[Path]:
    """matplotlib's shipped TrueType fonts that carry ordinary digit glyphs."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    fonts = sorted(p for p in folder.glob("*.ttf")
                   if p.stem.startswith(FONT_PREFIXES) and "Display" not in p.stem)
    if not fonts:
        raise ConfigError(f"{folder}: no usable TrueType fonts found for the syn domain")
    return fonts


def render_syn(label: int, rng: np.random.Generator, fonts: list[Path], size: int) -> np.ndarray:
    """A digit in a random font, size, rotation, position and colour pair (Synthetic Digits recipe)."""
    big = size * 4
    bg = rng.integers(0, 256, size=3)
    fg = rng.integers(0, 256, size=3)
    while abs(int(fg.mean()) - int(bg.mean())) < 80:
        fg = rng.integers(0, 256, size=3)
    font = ImageFont.truetype(str(fonts[rng.integers(len(fonts))]), size=int(big * rng.uniform(0.55, 0.8)))
    glyph = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(glyph)
    x0, y0, x1, y1 = draw.textbbox((0, 0), str(label), font=font)
    shift = rng.uniform(-0.08, 0.08, size=2) * big
    draw.text(((big - (x1 - x0)) / 2 - x0 + shift[0], (big - (y1 - y0)) / 2 - y0 + shift[1]), str(label),
              fill=255, font=font)
    glyph = glyph.rotate(rng.uniform(-15, 15), resample=Image.BICUBIC)
    alpha = np.asarray(glyph.resize((size, size), Image.LANCZOS), dtype=np.float64)[..., None] / 255.0
    return (bg * (1 - alpha) + fg * alpha).round().clip(0, 255).astype(np.uint8)


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _grey_rgb(img: np.ndarray) -> np.ndarray:
    return np.repeat((img * 255).round().astype(np.uint8)[..., None], 3, axis=2)


def render_split(cfg: DigitsConfig, sources: np.ndarray, per_digit: int, digits8: np.ndarray,
                 labels: np.ndarray, photos: list[np.ndarray], fonts: list[Path], desc: str) -> dict:
    """Render every domain for ``sources``: {domain: [(id, label, source, uint8 H×W×3)]}."""
    out: dict[str, list] = {d: [] for d in DOMAINS}
    for src in progress_bar(sources.tolist(), desc=desc, unit="digit"):
        for r in range(per_digit):
            ident, label = f"{src:04d}_{r}", int(labels[src])
            hand = render_hand(digits8[src], _rng(cfg.seed, "hand", src, r), cfg.size)
            out["hand"].append((ident, label, src, _grey_rgb(hand)))
            out["mnistm"].append((ident, label, src, render_mnistm(hand, _rng(cfg.seed, "mnistm", src, r), photos)))
            out["syn"].append((ident, label, src, render_syn(label, _rng(cfg.seed, "syn", src, r), fonts, cfg.size)))
    return out


def _write_folder(folder: Path, items: list, bar) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "label", "source"])
        for ident, label, src, img in items:
            (folder / f"{ident}.png").write_bytes(_png(img))
            writer.writerow([f"{ident}.png", label, src])
            bar.update()


def _write_tasks(tmp: Path, splits: dict[str, dict], manifest: dict) -> None:
    total = 6 * sum(len(s["hand"]) for s in splits.values())  # hand, mnistm, paired, and the three of digits3
    with progress_bar(total=total, desc="writing digits suite", unit="img") as bar:
        for split, doms in splits.items():
            _write_folder(tmp / "hand2mnistm" / f"{split}A", doms["hand"], bar)
            _write_folder(tmp / "hand2mnistm" / f"{split}B", doms["mnistm"], bar)
            paired = [(i, lab, src, np.concatenate([a, b[3]], axis=1))
                      for (i, lab, src, a), b in zip(doms["hand"], doms["mnistm"])]
            _write_folder(tmp / "hand2mnistm_paired" / split, paired, bar)
            for d in DOMAINS:
                _write_folder(tmp / "digits3" / split / d, doms[d], bar)
    for task in TASK_FOLDERS:
        write_json(tmp / task / "manifest.json", manifest)


def build_digits(out: str | Path, cfg: DigitsConfig = DigitsConfig(), force: bool = False) -> list[Path]:
    """Build the suite's task folders under ``out``; an up-to-date build with the same settings is kept."""
    from sklearn.datasets import load_digits

    cfg.validate()
    out = Path(out)
    manifest = {"suite": "digits", "config": asdict(cfg), "domains": list(DOMAINS)}
    targets = [out / t for t in TASK_FOLDERS]
    if not force and all((t / "manifest.json").is_file() and read_json(t / "manifest.json")["config"] == asdict(cfg)
                         for t in targets):
        return targets
    digits = load_digits()
    labels = digits.target[:cfg.max_sources] if cfg.max_sources else digits.target
    train_src, test_src = split_sources(labels, cfg.seed, cfg.test_fraction)
    photos, fonts = load_photos(), find_fonts()
    splits = {
        "train": render_split(cfg, train_src, cfg.train_per_digit, digits.images, digits.target, photos, fonts,
                              "rendering train digits"),
        "test": render_split(cfg, test_src, cfg.test_per_digit, digits.images, digits.target, photos, fonts,
                             "rendering test digits"),
    }
    manifest["counts"] = {s: len(v["hand"]) for s, v in splits.items()}
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".digits-build-", dir=out))
    try:
        _write_tasks(tmp, splits, manifest)
        for task, target in zip(TASK_FOLDERS, targets):
            if target.exists():
                shutil.rmtree(target)
            (tmp / task).replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return targets

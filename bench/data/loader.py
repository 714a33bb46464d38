"""Training batches as a pure function of (seed, step): resuming a run replays exactly the same data."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset

from bench.data.lazy import concat_images
from bench.data.readers import ImageSet, Split
from bench.errors import DataError

_MIX = 1_000_003
_ERROR = "data_error"


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] → float [-1, 1]."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float [-1, 1] → uint8 [0, 255] (values outside the range are clamped)."""
    return images.detach().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)


def mix_seed(*keys: int) -> int:
    """One seed from several integer keys (seed, stream, step, ...), the same on every machine."""
    seed = 0
    for k in keys:
        seed = (seed * _MIX + int(k)) % (2**63 - 1)
    return seed


def keyed_generator(*keys: int) -> torch.Generator:
    """A CPU generator seeded by ``mix_seed(*keys)``: draws that depend on nothing but the keys."""
    return torch.Generator().manual_seed(mix_seed(*keys))


class BatchSampler:
    """Draws training batches: epoch-wise reshuffled indices, random crop to the image size, optional flip.

    Paired tasks take the same indices, crop and flip for A and B; unpaired tasks draw A and B
    independently; multi-domain tasks draw from the union of all domains and say which domain each image is;
    attribute tasks give each image's 0/1 attribute vector as floats (``attrs``).
    ``streams`` adds what a method asks for (``Method.batch``): a random ``target_domain`` per sample and a
    same-domain reference pair ``x_ref``, ``x_ref2`` of it (multi-domain), or ``unsupervised``, which withholds
    domain and class labels from the batch.
    """

    def __init__(self, split: Split, batch_size: int, seed: int, device: torch.device | str = "cpu",
                 streams: frozenset[str] = frozenset()):
        self.split, self.batch_size, self.seed, self.streams = split, batch_size, seed, frozenset(streams)
        self.device = torch.device(device)
        self._perms: dict[int, tuple[tuple[int, int, int], torch.Tensor]] = {}
        task = split.task
        self.size, self.flip = task.image_size, task.flip
        if split.task.setting == "multidomain":
            self.pool = ImageSet("all", concat_images([s.images for s in split.sets]),
                                 [i for s in split.sets for i in s.ids],
                                 torch.cat([s.labels for s in split.sets]) if task.labels else None)
            self.pool_domain = torch.cat([torch.full((len(s),), d, dtype=torch.long)
                                          for d, s in enumerate(split.sets)])

    def on(self, device: torch.device | str) -> BatchSampler:
        """The same batches, made on ``device``."""
        return BatchSampler(self.split, self.batch_size, self.seed, device, self.streams)

    def _permutation(self, n: int, stream: int, epoch: int) -> torch.Tensor:
        """The order of epoch ``epoch`` of a stream (the latest one per stream is kept: it is reused every batch)."""
        key = (n, stream, epoch)
        cached = self._perms.get(stream)
        if cached is None or cached[0] != key:
            cached = (key, torch.randperm(n, generator=keyed_generator(self.seed, stream, epoch)))
            self._perms[stream] = cached
        return cached[1]

    def _indices(self, n: int, stream: int, step: int) -> torch.Tensor:
        """Batch ``step``'s indices into a set of ``n`` items: a fresh permutation every epoch."""
        start = step * self.batch_size
        parts, taken = [], 0
        while taken < self.batch_size:
            epoch, offset = divmod(start + taken, n)
            part = self._permutation(n, stream, epoch)[offset:offset + self.batch_size - taken]
            parts.append(part)
            taken += len(part)
        return torch.cat(parts)

    def _augment(self, images: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Random crop to the image size and horizontal flip (if the task allows it), per sample."""
        b, _, h, w = images.shape
        if (h, w) != (self.size, self.size):
            tops = torch.randint(0, h - self.size + 1, (b,), generator=gen)
            lefts = torch.randint(0, w - self.size + 1, (b,), generator=gen)
            images = torch.stack([img[:, t:t + self.size, l:l + self.size]
                                  for img, t, l in zip(images, tops.tolist(), lefts.tolist())])
        if self.flip:
            flips = torch.rand(b, generator=gen) < 0.5
            images = torch.where(flips[:, None, None, None], images.flip(-1), images)
        return images

    def _take(self, s: ImageSet, idx: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, list[str], torch.Tensor | None]:
        images = to_float(self._augment(s.images[idx], gen)).to(self.device)
        labels = s.labels[idx].to(self.device) if s.labels is not None else None
        return images, [s.ids[i] for i in idx.tolist()], labels

    def batch(self, step: int) -> dict:
        """The batch of training step ``step`` (0-based)."""
        out = self._batch(step)
        if "unsupervised" in self.streams:
            out = {k: v for k, v in out.items() if k != "domain" and not k.startswith("label")}
        return out

    def _references(self, step: int) -> dict:
        """A target domain per sample and, if asked for, two random training images of that domain."""
        gen = keyed_generator(self.seed, 96, step)
        n_domains = len(self.split.sets)
        target = torch.randint(n_domains, (self.batch_size,), generator=gen)
        out: dict = {"target_domain": target.to(self.device)}
        if "reference_pair" in self.streams:
            for key in ("x_ref", "x_ref2"):
                picks = [(d, int(torch.randint(len(self.split.sets[d]), (), generator=gen))) for d in target.tolist()]
                images = torch.stack([self.split.sets[d].images[j] for d, j in picks])
                out[key] = to_float(self._augment(images, gen)).to(self.device)
                out[f"ids_{key[2:]}"] = [self.split.sets[d].ids[j] for d, j in picks]
        return out

    def _batch(self, step: int) -> dict:
        sets = self.split.sets
        if self.split.task.setting == "attributes":
            idx = self._indices(len(sets[0]), 0, step)
            x, ids, _ = self._take(sets[0], idx, keyed_generator(self.seed, 95, step))
            return {"x": x, "attrs": sets[0].attrs[idx].float().to(self.device), "ids": ids}
        if self.split.task.setting == "multidomain":
            idx = self._indices(len(self.pool), 0, step)
            x, ids, labels = self._take(self.pool, idx, keyed_generator(self.seed, 99, step))
            out = {"x": x, "domain": self.pool_domain[idx].to(self.device), "ids": ids, "label": labels}
            if self.streams & {"target_domain", "reference_pair"}:
                out.update(self._references(step))
            return out
        if self.split.paired:
            idx = self._indices(len(sets[0]), 0, step)
            ab = self._augment(torch.cat([sets[0].images[idx], sets[1].images[idx]], 1),
                               keyed_generator(self.seed, 98, step))
            ab = to_float(ab).to(self.device)
            ids = [sets[0].ids[i] for i in idx.tolist()]
            labels = sets[0].labels[idx].to(self.device) if sets[0].labels is not None else None
            return {"A": ab[:, :3], "B": ab[:, 3:], "ids_A": ids, "ids_B": ids, "label_A": labels, "label_B": labels}
        out: dict = {}
        for stream, (key, s) in enumerate(zip("AB", sets)):
            idx = self._indices(len(s), stream, step)
            out[key], out[f"ids_{key}"], out[f"label_{key}"] = self._take(s, idx, keyed_generator(self.seed, 97 + stream, step))
        return out


class _StepBatches(Dataset):
    """Batch ``step`` of a sampler as a map-style dataset item, for DataLoader workers."""

    def __init__(self, sampler: BatchSampler):
        self.sampler = sampler

    def __getitem__(self, step: int) -> dict:
        try:
            return self.sampler.batch(step)
        except DataError as err:  # handed to the training process as its one-line message, not a worker traceback
            return {_ERROR: str(err)}


def _to_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def training_batches(sampler: BatchSampler, start: int, stop: int, workers: int = 0) -> Iterator[dict]:
    """Batches ``start``…``stop - 1`` in step order. With ``workers``, DataLoader processes make them ahead on
    the CPU (two batches each); each batch is a pure function of seed and step, so the batches are the same."""
    if workers <= 0:
        yield from (sampler.batch(step) for step in range(start, stop))
        return
    loader = DataLoader(_StepBatches(sampler.on("cpu")), batch_size=None, sampler=range(start, stop),
                        num_workers=workers, prefetch_factor=2, pin_memory=sampler.device.type == "cuda")
    for batch in loader:
        if _ERROR in batch:
            raise DataError(batch[_ERROR])
        yield _to_device(batch, sampler.device)

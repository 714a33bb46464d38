"""The image history buffer of CycleGAN: the discriminator sees a mix of current and past fakes."""

from __future__ import annotations

import torch


class ImagePool:
    """Capacity-``size`` buffer; once full, each image is swapped for a random stored one with probability 0.5.

    Randomness comes from torch's global generator, whose state the runner checkpoints, so a resumed
    run draws exactly what an uninterrupted one would.
    """

    def __init__(self, size: int):
        self.size = size
        self.images: list[torch.Tensor] = []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        out = []
        for img in images.detach():
            img = img.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif torch.rand(()) < 0.5:
                k = int(torch.randint(0, self.size, ()))
                out.append(self.images[k].clone())
                self.images[k] = img.clone()
            else:
                out.append(img)
        return torch.cat(out, 0)

    def state_dict(self) -> dict:
        return {"size": self.size, "images": torch.cat(self.images).cpu() if self.images else torch.empty(0)}

    def load_state_dict(self, state: dict, device: torch.device | str = "cpu") -> None:
        self.size = int(state["size"])
        self.images = [img.unsqueeze(0).to(device) for img in state["images"]] if state["images"].numel() else []

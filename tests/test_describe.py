"""Parameter counts at the paper configuration equal the official implementation's."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.describe import describe


def test_cyclegan_paper_counts_via_cli() -> None:
    # Official figures: junyanz/pytorch-CycleGAN-and-pix2pix, resnet_9blocks G and basic (n_layers=3) D at 256 px.
    out = subprocess.run([sys.executable, "-m", "bench", "describe", "cyclegan", "--image-size", "256", "--paper"],
                         capture_output=True, text=True, check=True).stdout
    counts = json.loads(out)["parameters"]
    assert counts == {"G_A": 11_378_179, "G_B": 11_378_179, "D_A": 2_764_737, "D_B": 2_764_737}


def test_pix2pix_paper_counts() -> None:
    # Official figures: unet_256 with batch norm and dropout; conditional basic PatchGAN on 6 channels.
    assert describe("pix2pix", 256)["parameters"] == {"G": 54_413_955, "D": 2_768_705}


def test_architectures_follow_the_image_size() -> None:
    assert describe("cyclegan", 128)["hparams"]["n_blocks"] == 6
    assert describe("pix2pix", 128)["hparams"]["depth"] == 7
    small = describe("pix2pix", 16)
    assert small["hparams"]["depth"] == 4 and small["hparams"]["n_layers_d"] == 2
    assert describe("identity", 32)["parameters"] == {}

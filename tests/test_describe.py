"""``bench describe``: per-network counts and roles at a profile, and architectures that follow the image size."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.describe import describe
from methods.cyclegan import CycleGAN


def test_cyclegan_paper_counts_and_roles_via_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "bench", "describe", "cyclegan", "--image-size", "256", "--paper"],
                         capture_output=True, text=True, check=True).stdout
    info = json.loads(out)
    assert info["profile"] == "paper" and info["parameters"] == CycleGAN.official.counts
    assert {k: (v["role"], v["inference"]) for k, v in info["roles"].items()} == {
        "G_A": ("trained", True), "G_B": ("trained", True), "D_A": ("trained", False), "D_B": ("trained", False)}
    assert all(info["roles"][k]["parameters"] == n for k, n in info["parameters"].items())
    # One translation (A→B) uses G_A alone; the total counts every network.
    assert info["inference_parameters"] == info["parameters"]["G_A"]
    assert info["total"] == sum(info["parameters"].values())


def test_architectures_follow_the_image_size() -> None:
    assert describe("cyclegan", 128)["hparams"]["n_blocks"] == 6
    assert describe("pix2pix", 128)["hparams"]["depth"] == 7
    small = describe("pix2pix", 16)
    assert small["hparams"]["depth"] == 4 and small["hparams"]["n_layers_d"] == 2
    assert describe("identity", 32)["parameters"] == {}


def test_the_embedded_profile_narrows_the_paper_networks() -> None:
    paper, embedded = describe("cyclegan", 32), describe("cyclegan", 32, profile="embedded")
    assert embedded["profile"] == "embedded" and embedded["hparams"]["ngf"] < paper["hparams"]["ngf"]
    assert set(embedded["parameters"]) == set(paper["parameters"])
    assert all(embedded["parameters"][k] < paper["parameters"][k] for k in paper["parameters"])

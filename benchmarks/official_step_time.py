"""Training step time of our CycleGAN, pix2pix, CUT and StarGAN v2 against the official implementations, at identical
networks, batch size and image size, on one machine in one run.

Official code (checkouts given on the command line; a method whose checkout is not given is skipped):

- ``--cyclegan-pix2pix``: junyanz/pytorch-CycleGAN-and-pix2pix (``models/cycle_gan_model.py``,
  ``models/pix2pix_model.py``); a partial checkout with only ``models/`` and ``util/image_pool.py`` is enough;
- ``--cut``: taesungp/contrastive-unpaired-translation (``models/cut_model.py``);
- ``--stargan2``: clovaai/stargan-v2 (``core/solver.py``, ``core/model.py``).

Every measurement runs in its own child process (so that import state and memory do not mix, and the official repos'
top-level packages ``models``, ``util``, ``options``, ``core``, ``metrics`` do not clash with each other): ours, then
the official one, per method. An official child puts the checkout first on ``sys.path`` and imports the model module
directly (never ``train.py``, the option parsers, data loaders or visualisers); it builds the model from an
``argparse.Namespace`` holding the official defaults of that model's training command (``OFFICIAL_OPTIONS`` below,
read from the repos' option files: CycleGAN ``--model cycle_gan``; pix2pix ``--model pix2pix``; CUT ``--CUT_mode
CUT``; StarGAN v2 the AFHQ training command of the README, ``--num_domains 3 --w_hpf 0 --lambda_ds 2``). A module
the official code imports but that is not installed (StarGAN v2: ``munch``, ``ffmpeg``, ``cv2``; maybe
``skimage``, ``tqdm``) is replaced in that child by a stub module whose attributes raise when used (``munch`` gets a
five-line attribute dict instead, as the model builder needs a working ``Munch``); the stubs are listed in the
output. Nothing a stub stands for runs in a training step.

Per step, after the same untimed set-up and ``--warmup`` untimed steps, on the same two random batches (alternated,
drawn from one seeded generator in both children):

- ours: ``train_step`` + ``update_ema`` + ``step_schedulers``, what ``bench train`` runs per step (without batch
  sampling and logging), built at the paper profile on a stand-in task (``bench.describe.probe_task``, as
  ``cut_step_time.py``) with the official networks' sizes forced where our profile scales them with the image size
  (ResNet-9 and the 3-layer PatchGAN at every size, as the official ``resnet_9blocks`` / ``basic``; the override is
  printed when it differs from the profile); StarGAN v2 is built with the paper's 100k-iteration budget, so that its
  diversity weight decays as the official one;
- official CycleGAN, pix2pix, CUT: ``set_input`` + ``optimize_parameters``, as their ``train.py`` (CUT first calls
  ``data_dependent_initialize`` on the first batch, ``setup`` and ``parallelize``, untimed, as its ``train.py``);
- official StarGAN v2: ``Solver`` built from the options (He init, the four Adams), then the body of
  ``Solver.train``'s loop: z drawn per step (as its ``InputFetcher``), ``compute_d_loss`` (latent, reference) and
  ``compute_g_loss`` (latent, reference) with their ``_reset_grad`` / ``backward`` / optimiser steps,
  ``moving_average`` of the three EMA networks and the diversity-weight decay; no data loaders, logging, sampling,
  checkpoints or evaluation.

Known differences that are the official code's own: its ``BaseModel`` / ``main.py`` turn ``cudnn.benchmark`` on
(``--cudnn-benchmark on|off`` sets it on both sides instead); on a GPU its networks run inside
``nn.DataParallel``. The official ``unet_256`` needs 256 px: at another size the official pix2pix gets the official
``UnetGenerator`` with log2(size) down-samplings (``unet_128`` at 128 px), as ours, re-initialised and given a fresh
Adam as its ``__init__`` does. Parameter counts of every network are printed for both sides, and the
hyper-parameters our side was built with are checked against the official options (``HP_CHECK``); a difference in
either is printed and makes the exit status 1.

    python benchmarks/official_step_time.py --cyclegan-pix2pix PATH --cut PATH --stargan2 PATH
        [--size 64] [--batch N] [--steps 3] [--warmup 1] [--threads 2] [--device cpu] [--methods cut ...]
        [--repeats 1] [--cudnn-benchmark as-is|on|off] [--channels-last] [--json out.json]

``--channels-last`` lays our networks and batches out channels-last (``bench train --channels-last``); the official
code has no such switch. ``--batch`` defaults to each method's official default (1; StarGAN v2 8). At the papers' size on a GPU:

    python benchmarks/official_step_time.py --cyclegan-pix2pix PATH --cut PATH --stargan2 PATH \\
        --device cuda --size 256 --steps 50 --warmup 10 --repeats 3

The official commit printed is ``git -C PATH rev-parse HEAD`` of a git checkout, else the sha in a ``COMMIT`` file
at the top of PATH (a partial checkout), else "unknown (not a git checkout)".
"""

from __future__ import annotations

import argparse
import importlib
import importlib.abc
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import torch

from bench.runtime import Numerics, cpu_model, pick_device, set_threads

METHODS = ("cyclegan", "pix2pix", "cut", "stargan2")
REPO_ARG = {"cyclegan": "cyclegan_pix2pix", "pix2pix": "cyclegan_pix2pix", "cut": "cut", "stargan2": "stargan2"}
REPO_FLAG = {"cyclegan_pix2pix": "--cyclegan-pix2pix", "cut": "--cut", "stargan2": "--stargan2"}
SETTING = {"cyclegan": "unpaired", "pix2pix": "paired", "cut": "unpaired", "stargan2": "multidomain"}
OFFICIAL_BATCH = {"cyclegan": 1, "pix2pix": 1, "cut": 1, "stargan2": 8}
AFHQ_DOMAINS = 3
PAPER_ITERATIONS = 100_000  # the budget our methods are built with (only StarGAN v2's diversity decay reads it)
MARK = "@@official_step_time "  # prefix of a child's result line (the official code prints to stdout too)
CLASHING = ("models", "util", "options", "core", "metrics", "data")

# The official training defaults (argparse defaults of the options files plus each model's
# modify_commandline_options, for the training command named in the docstring). Paths point into a temporary
# directory; the per-run fields (gpu_ids, batch_size, checkpoints_dir) are filled in by the child.
_JUNYANZ_BASE = dict(
    # options/base_options.py
    dataroot="unused", name="official_step_time", gpu_ids=[], checkpoints_dir=None, model=None, input_nc=3,
    output_nc=3, ngf=64, ndf=64, netD="basic", netG="resnet_9blocks", n_layers_D=3, norm="instance",
    init_type="normal", init_gain=0.02, no_dropout=False, dataset_mode="unaligned", direction="AtoB",
    serial_batches=False, num_threads=4, batch_size=1, load_size=286, crop_size=256, max_dataset_size=float("inf"),
    preprocess="resize_and_crop", no_flip=False, display_winsize=256, epoch="latest", load_iter=0, verbose=False,
    suffix="",
    # options/train_options.py (older checkouts name the epoch counts niter / niter_decay, newer n_epochs / ...)
    display_freq=400, display_ncols=4, display_id=1, display_server="http://localhost", display_env="main",
    display_port=8097, update_html_freq=1000, print_freq=100, no_html=False, save_latest_freq=5000,
    save_epoch_freq=5, save_by_iter=False, continue_train=False, epoch_count=1, phase="train", niter=100,
    niter_decay=100, n_epochs=100, n_epochs_decay=100, beta1=0.5, lr=0.0002, gan_mode="lsgan", pool_size=50,
    lr_policy="linear", lr_decay_iters=50, isTrain=True)
OFFICIAL_OPTIONS = {
    # models/cycle_gan_model.py: no_dropout=True; lambda_A, lambda_B, lambda_identity
    "cyclegan": {**_JUNYANZ_BASE, "model": "cycle_gan", "no_dropout": True, "lambda_A": 10.0, "lambda_B": 10.0,
                 "lambda_identity": 0.5},
    # models/pix2pix_model.py: norm batch, netG unet_256, dataset aligned; train: pool 0, vanilla GAN, lambda_L1
    "pix2pix": {**_JUNYANZ_BASE, "model": "pix2pix", "norm": "batch", "netG": "unet_256", "dataset_mode": "aligned",
                "pool_size": 0, "gan_mode": "vanilla", "lambda_L1": 100.0},
    # options/base_options.py, options/train_options.py, models/cut_model.py with --CUT_mode CUT
    "cut": dict(
        dataroot="unused", name="official_step_time", easy_label="experiment_name", gpu_ids=[], checkpoints_dir=None,
        model="cut", input_nc=3, output_nc=3, ngf=64, ndf=64, netD="basic", netG="resnet_9blocks", n_layers_D=3,
        normG="instance", normD="instance", init_type="xavier", init_gain=0.02, no_dropout=True,
        no_antialias=False, no_antialias_up=False, dataset_mode="unaligned", direction="AtoB", serial_batches=False,
        num_threads=4, batch_size=1, load_size=286, crop_size=256, max_dataset_size=float("inf"),
        preprocess="resize_and_crop", no_flip=False, display_winsize=256, random_scale_max=3.0, epoch="latest",
        verbose=False, suffix="", stylegan2_G_num_downsampling=1,
        display_freq=400, display_ncols=4, display_id=None, display_server="http://localhost", display_env="main",
        display_port=8097, update_html_freq=1000, print_freq=100, no_html=False, save_latest_freq=5000,
        save_epoch_freq=5, evaluation_freq=5000, save_by_iter=False, continue_train=False, epoch_count=1,
        phase="train", pretrained_name=None, n_epochs=200, n_epochs_decay=200, beta1=0.5, beta2=0.999, lr=0.0002,
        gan_mode="lsgan", pool_size=0, lr_policy="linear", lr_decay_iters=50,
        CUT_mode="CUT", lambda_GAN=1.0, lambda_NCE=1.0, nce_idt=True, nce_layers="0,4,8,12,16",
        nce_includes_all_negatives_from_minibatch=False, netF="mlp_sample", netF_nc=256, nce_T=0.07,
        num_patches=256, flip_equivariance=False, isTrain=True),
    # main.py defaults with the README's AFHQ training command: --num_domains 3 --w_hpf 0 --lambda_reg 1
    # --lambda_sty 1 --lambda_ds 2 --lambda_cyc 1
    "stargan2": dict(
        img_size=256, num_domains=AFHQ_DOMAINS, latent_dim=16, hidden_dim=512, style_dim=64, lambda_reg=1.0,
        lambda_cyc=1.0, lambda_sty=1.0, lambda_ds=2.0, ds_iter=100000, w_hpf=0.0, randcrop_prob=0.5,
        total_iters=100000, resume_iter=0, batch_size=8, val_batch_size=32, lr=1e-4, f_lr=1e-6, beta1=0.0,
        beta2=0.99, weight_decay=1e-4, num_outs_per_domain=10, mode="train", num_workers=4, seed=777,
        train_img_dir="data/afhq/train", val_img_dir="data/afhq/val", sample_dir=None, checkpoint_dir=None,
        eval_dir=None, result_dir=None, src_dir="assets/representative/afhq/src",
        ref_dir="assets/representative/afhq/ref", inp_dir="assets/representative/custom/female",
        out_dir="assets/representative/celeba_hq/src/female", wing_path="expr/checkpoints/wing.ckpt",
        lm_path="expr/checkpoints/celeba_lm_mean.npz", print_every=10, sample_every=5000, save_every=10000,
        eval_every=50000),
}
# Our hyper-parameters that our profile scales with the image size but the official defaults fix (resnet_9blocks,
# the basic 3-layer PatchGAN): set to the official values on our side.
OFFICIAL_SIZES = {"cyclegan": {"n_blocks": 9, "n_layers_d": 3}, "pix2pix": {"n_layers_d": 3},
                  "cut": {"n_blocks": 9, "n_layers_d": 3}, "stargan2": {}}
# Official network name → ours (our parameter_counts keys).
NET_NAMES = {
    "cyclegan": {"G_A": "G_A", "G_B": "G_B", "D_A": "D_A", "D_B": "D_B"},
    "pix2pix": {"G": "G", "D": "D"},
    "cut": {"G": "G", "D": "D", "F": "F"},
    "stargan2": {"generator": "G", "mapping_network": "F", "style_encoder": "E", "discriminator": "D",
                 "generator_ema": "G_ema", "mapping_network_ema": "F_ema", "style_encoder_ema": "E_ema"},
}


def _same(*keys: str) -> dict:
    return {k: (lambda o, k=k: getattr(o, k)) for k in keys}


_RESNET_BLOCKS = {"resnet_9blocks": 9, "resnet_6blocks": 6}
# Our hyper-parameter → its value in the official options (checked against what our child was built with).
HP_CHECK = {
    "cyclegan": {**_same("lr", "beta1", "ngf", "ndf", "norm", "lambda_A", "lambda_B", "pool_size", "gan_mode",
                         "init_gain"),
                 "beta2": lambda o: 0.999,  # hard-coded in its Adam calls
                 "use_dropout": lambda o: not o.no_dropout, "n_blocks": lambda o: _RESNET_BLOCKS[o.netG],
                 "n_layers_d": lambda o: 3 if o.netD == "basic" else o.n_layers_D,
                 "lambda_idt": lambda o: o.lambda_identity, "init": lambda o: o.init_type},
    "pix2pix": {**_same("lr", "beta1", "ngf", "ndf", "norm", "gan_mode", "init_gain"),
                "beta2": lambda o: 0.999, "use_dropout": lambda o: not o.no_dropout,
                "n_layers_d": lambda o: 3 if o.netD == "basic" else o.n_layers_D,
                "lambda_l1": lambda o: o.lambda_L1, "init": lambda o: o.init_type},
    "cut": {**_same("lr", "beta1", "beta2", "ngf", "ndf", "gan_mode", "init_gain", "nce_idt", "num_patches",
                    "flip_equivariance"),
            "n_blocks": lambda o: _RESNET_BLOCKS[o.netG],
            "n_layers_d": lambda o: 3 if o.netD == "basic" else o.n_layers_D,
            "antialias": lambda o: not o.no_antialias, "init": lambda o: o.init_type,
            "lambda_gan": lambda o: o.lambda_GAN, "lambda_nce": lambda o: o.lambda_NCE,
            "nce_layers": lambda o: [int(i) for i in o.nce_layers.split(",")], "netf_nc": lambda o: o.netF_nc,
            "nce_t": lambda o: o.nce_T},
    "stargan2": _same("lr", "f_lr", "beta1", "beta2", "weight_decay", "latent_dim", "style_dim", "hidden_dim",
                      "lambda_reg", "lambda_sty", "lambda_cyc", "lambda_ds", "ds_iter"),
}
# Modules the official code imports that may be missing here; stubbed in the official child only when missing.
MAY_STUB = ("munch", "ffmpeg", "cv2", "skimage", "skimage.filters", "tqdm", "dominate", "dominate.tags", "visdom")


# -- shared by both children ---------------------------------------------------------------------------------------
def make_batches(method: str, size: int, batch: int, device: torch.device) -> list[dict]:
    """Two random batches in [-1, 1] (the same in every child: one generator seeded 0), on ``device``."""
    g = torch.Generator().manual_seed(0)
    image = lambda: (torch.rand(batch, 3, size, size, generator=g) * 2 - 1).to(device)  # noqa: E731
    batches = []
    for _ in range(2):
        if SETTING[method] == "multidomain":
            b = {"x": image(), "x_ref": image(), "x_ref2": image(),
                 "domain": torch.randint(AFHQ_DOMAINS, (batch,), generator=g).to(device),
                 "target_domain": torch.randint(AFHQ_DOMAINS, (batch,), generator=g).to(device)}
        else:
            b = {"A": image(), "B": image(), "A_paths": ["a.png"] * batch, "B_paths": ["b.png"] * batch}
        batches.append(b)
    return batches


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(step, device: torch.device, warmup: int, steps: int) -> float:
    """Seconds per call of ``step(i)`` over ``steps`` calls after ``warmup`` untimed ones."""
    for i in range(warmup):
        step(i)
    sync(device)
    start = time.perf_counter()
    for i in range(steps):
        step(warmup + i)
    sync(device)
    return (time.perf_counter() - start) / steps


def count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def set_cudnn(policy: str) -> None:
    if policy != "as-is":
        torch.backends.cudnn.benchmark = policy == "on"


# -- ours ----------------------------------------------------------------------------------------------------------
def measure_ours(method: str, size: int, batch: int, steps: int, warmup: int, device_name: str, cudnn: str,
                 channels_last: bool = False) -> dict:
    from bench.describe import probe_task
    from bench.method import Method
    from bench.registry import get_method

    device = pick_device(device_name)
    torch.manual_seed(0)
    cls = get_method(method)
    task = probe_task(SETTING[method], size, AFHQ_DOMAINS if method == "stargan2" else 2)
    paper = cls.profile(task, "paper")
    forced = OFFICIAL_SIZES[method]
    hp = {**paper, **forced, "batch_size": batch}
    model = cls(task, hp, device, PAPER_ITERATIONS)
    numerics = Numerics(channels_last=channels_last)  # as `bench train --channels-last` lays out nets and batches
    batches = [numerics.memory_format(b) for b in make_batches(method, size, batch, device)]
    if type(model).setup is not Method.setup:
        model.setup(batches[0])
    for net in model.all_networks().values():
        numerics.memory_format(net)
    set_cudnn(cudnn)

    def step(i: int) -> None:
        model.train_step(batches[i % 2], i)
        model.update_ema()
        model.step_schedulers()

    s = timed(step, device, warmup, steps)
    return {"s_per_step": s, "params": model.parameter_counts(), "device": str(device), "hparams": hp,
            "overrides": {k: f"{v} (paper profile {paper.get(k)})" for k, v in forced.items() if paper.get(k) != v},
            "cudnn_benchmark": torch.backends.cudnn.benchmark, "channels_last": channels_last}


# -- official ------------------------------------------------------------------------------------------------------
class _Munch(dict):
    """Stand-in for ``munch.Munch``: a dict whose keys are also attributes."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: an import of one of ``names`` that nothing else can satisfy gets a stub package.

    A stub's attributes are functions that raise when called (``from cv2 import x`` works, ``cv2.x()`` does not);
    ``munch`` gets a working ``Munch``. ``used`` lists the stubs actually imported.
    """

    def __init__(self, names: tuple[str, ...]):
        self.names, self.used = set(names), []

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.names:
            return None
        self.used.append(fullname)
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec):
        module = types.ModuleType(spec.name, f"stub for {spec.name!r} (not installed), made by official_step_time.py")
        name = spec.name

        def __getattr__(attr):
            if attr.startswith("__"):
                raise AttributeError(attr)

            def unavailable(*args, **kwargs):
                raise RuntimeError(f"{name}.{attr} is a stub: module {name!r} is not installed")
            return unavailable
        module.__getattr__ = __getattr__
        if name == "munch":
            module.Munch = _Munch
        return module

    def exec_module(self, module):
        pass


def import_official(path: str, module: str):
    """``module`` from the checkout at ``path`` (first on sys.path; refuses a same-named package from elsewhere)."""
    root = os.path.realpath(path)
    clash = [name for name in CLASHING if name in sys.modules]
    if clash:
        raise RuntimeError(f"top-level packages {clash} were imported before the official code's")
    sys.path.insert(0, root)
    mod = importlib.import_module(module)
    top = sys.modules[module.split(".")[0]]
    where = os.path.realpath(getattr(top, "__file__", None) or next(iter(top.__path__)))
    if not where.startswith(root + os.sep):
        raise RuntimeError(f"{module} was imported from {where}, not from {root}")
    return mod


def gpu_ids(device: torch.device) -> list[int]:
    if device.type == "cuda":
        return [device.index if device.index is not None else torch.cuda.current_device()]
    if device.type != "cpu":
        raise SystemExit(f"the official code runs on CUDA or the CPU only, not {device}")
    return []


def measure_official(method: str, path: str, size: int, batch: int, steps: int, warmup: int, device_name: str,
                     cudnn: str) -> dict:
    device = pick_device(device_name)
    torch.manual_seed(0)
    stubs = StubFinder(MAY_STUB)
    sys.meta_path.append(stubs)
    batches = make_batches(method, size, batch, device)
    with tempfile.TemporaryDirectory() as tmp:
        if method == "stargan2":
            step, params, notes = _official_stargan2(path, size, batch, device, batches, tmp)
        else:
            step, params, notes = _official_junyanz_cut(method, path, size, batch, device, batches, tmp)
        set_cudnn(cudnn)
        s = timed(step, device, warmup, steps)
    return {"s_per_step": s, "params": params, "device": str(device), "stubbed": stubs.used, "notes": notes,
            "cudnn_benchmark": torch.backends.cudnn.benchmark}


def _official_junyanz_cut(method, path, size, batch, device, batches, tmp):
    opt = argparse.Namespace(**OFFICIAL_OPTIONS[method])
    opt.gpu_ids, opt.batch_size, opt.checkpoints_dir = gpu_ids(device), batch, tmp
    notes = []
    if method == "pix2pix" and size != 256:
        opt.netG = {128: "unet_128"}.get(size, opt.netG)
        notes.append("netG unet_128 (unet_256 needs 256 px)" if size == 128 else
                     f"netG: the official UnetGenerator with {int(math.log2(size))} down-samplings, re-initialised "
                     f"and with a new Adam as in its __init__ (unet_256 needs 256 px)")
    module, cls = {"cyclegan": ("models.cycle_gan_model", "CycleGANModel"),
                   "pix2pix": ("models.pix2pix_model", "Pix2PixModel"),
                   "cut": ("models.cut_model", "CUTModel")}[method]
    model = getattr(import_official(path, module), cls)(opt)
    if method == "pix2pix" and size not in (128, 256):
        networks = sys.modules["models.networks"]
        net = networks.UnetGenerator(opt.input_nc, opt.output_nc, int(math.log2(size)), opt.ngf,
                                     norm_layer=networks.get_norm_layer(opt.norm), use_dropout=not opt.no_dropout)
        model.netG = networks.init_net(net, opt.init_type, opt.init_gain, model.gpu_ids)
        replaced = model.optimizer_G  # as its __init__: Adam over the generator, in the optimizers list
        model.optimizer_G = torch.optim.Adam(model.netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
        model.optimizers[model.optimizers.index(replaced)] = model.optimizer_G
    if method == "cut":  # as its train.py, on the first batch
        model.data_dependent_initialize(batches[0])
        model.setup(opt)
        model.parallelize()
    else:  # as its train.py
        model.setup(opt)

    def step(i: int) -> None:
        model.set_input(batches[i % 2])
        model.optimize_parameters()

    params = {name: count(getattr(model, "net" + name)) for name in model.model_names}
    return step, params, notes


def _official_stargan2(path, size, batch, device, batches, tmp):
    args = argparse.Namespace(**OFFICIAL_OPTIONS["stargan2"])
    args.img_size, args.batch_size = size, batch
    for key in ("sample_dir", "checkpoint_dir", "eval_dir", "result_dir"):
        setattr(args, key, os.path.join(tmp, key))
    solver_mod = import_official(path, "core.solver")
    torch.backends.cudnn.benchmark = True  # main.py, before building the solver
    solver = solver_mod.Solver(args)  # builds on CUDA when there is one, whatever --device says
    solver.to(device)
    nets, nets_ema, optims = solver.nets, solver.nets_ema, solver.optims
    initial_lambda_ds = args.lambda_ds

    def step(i: int) -> None:  # Solver.train's loop body without fetching data, logging, sampling, saving, eval
        b = batches[i % 2]
        x_real, y_org = b["x"].detach(), b["domain"]  # a fresh leaf per step, as the fetcher's
        x_ref, x_ref2, y_trg = b["x_ref"], b["x_ref2"], b["target_domain"]
        z_trg = torch.randn(x_real.size(0), args.latent_dim).to(device)  # drawn per step by its InputFetcher
        z_trg2 = torch.randn(x_real.size(0), args.latent_dim).to(device)
        masks = nets.fan.get_heatmap(x_real) if args.w_hpf > 0 else None
        d_loss, _ = solver_mod.compute_d_loss(nets, args, x_real, y_org, y_trg, z_trg=z_trg, masks=masks)
        solver._reset_grad()
        d_loss.backward()
        optims.discriminator.step()
        d_loss, _ = solver_mod.compute_d_loss(nets, args, x_real, y_org, y_trg, x_ref=x_ref, masks=masks)
        solver._reset_grad()
        d_loss.backward()
        optims.discriminator.step()
        g_loss, _ = solver_mod.compute_g_loss(nets, args, x_real, y_org, y_trg, z_trgs=[z_trg, z_trg2], masks=masks)
        solver._reset_grad()
        g_loss.backward()
        optims.generator.step()
        optims.mapping_network.step()
        optims.style_encoder.step()
        g_loss, _ = solver_mod.compute_g_loss(nets, args, x_real, y_org, y_trg, x_refs=[x_ref, x_ref2], masks=masks)
        solver._reset_grad()
        g_loss.backward()
        optims.generator.step()
        solver_mod.moving_average(nets.generator, nets_ema.generator, beta=0.999)
        solver_mod.moving_average(nets.mapping_network, nets_ema.mapping_network, beta=0.999)
        solver_mod.moving_average(nets.style_encoder, nets_ema.style_encoder, beta=0.999)
        if args.lambda_ds > 0:
            args.lambda_ds -= (initial_lambda_ds / args.ds_iter)

    params = {name: count(net) for name, net in nets.items() if name != "fan"}
    params.update({f"{name}_ema": count(net) for name, net in nets_ema.items() if name != "fan"})
    return step, params, []


# -- parent --------------------------------------------------------------------------------------------------------
def official_commit(path: str) -> str:
    """HEAD of the git checkout at ``path``, else the sha in its COMMIT file, else unknown."""
    root = os.path.realpath(path)
    try:
        top = subprocess.run(["git", "-C", root, "rev-parse", "--show-toplevel"], capture_output=True, text=True)
        if top.returncode == 0 and os.path.realpath(top.stdout.strip()) == root:
            head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True)
            if head.returncode == 0:
                return head.stdout.strip()
    except OSError:
        pass
    commit_file = Path(root) / "COMMIT"
    if commit_file.is_file():
        text = commit_file.read_text().split()
        if text:
            return f"{text[0]} (COMMIT file; not a git checkout)"
    return "unknown (not a git checkout)"


def run_child(role: str, method: str, path: str | None, args: argparse.Namespace, batch: int) -> dict:
    cmd = [sys.executable, __file__, "--child", f"{role}:{method}", "--size", str(args.size), "--batch", str(batch),
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--threads", str(args.threads),
           "--device", args.device, "--cudnn-benchmark", args.cudnn_benchmark]
    cmd += ["--channels-last"] if args.channels_last else []
    if path:
        cmd += ["--official-path", path]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        return {"error": f"{role} child exited {proc.returncode}:\n{tail}"}
    return json.loads(lines[-1][len(MARK):])


def child_main(args: argparse.Namespace) -> None:
    role, method = args.child.split(":")
    set_threads(args.threads)
    if role == "ours":
        result = measure_ours(method, args.size, args.batch, args.steps, args.warmup, args.device,
                              args.cudnn_benchmark, args.channels_last)
    else:
        result = measure_official(method, args.official_path, args.size, args.batch, args.steps, args.warmup,
                                  args.device, args.cudnn_benchmark)
    print(MARK + json.dumps(result), flush=True)


def compare_params(method: str, ours: dict, official: dict) -> tuple[bool, str]:
    """Whether every network has the same parameter count on both sides, and the counts as text."""
    rows, equal = [], True
    for off_name, our_name in NET_NAMES[method].items():
        a, b = ours["params"].get(our_name), official["params"].get(off_name)
        equal &= a is not None and a == b
        fmt = lambda n: "missing" if n is None else f"{n:,}"  # noqa: E731
        rows.append(f"{our_name} {fmt(a)} {'=' if a == b else '≠'} {fmt(b)} ({off_name})")
    return equal, "; ".join(rows)


def compare_hparams(method: str, ours: dict) -> list[str]:
    """Each checked hyper-parameter of ours that differs from the official option (empty: all equal)."""
    options = argparse.Namespace(**OFFICIAL_OPTIONS[method])
    return [f"{key} ours {ours['hparams'].get(key)!r}, official {official(options)!r}"
            for key, official in HP_CHECK[method].items() if ours["hparams"].get(key) != official(options)]


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()),
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--cyclegan-pix2pix", metavar="PATH", help="checkout of junyanz/pytorch-CycleGAN-and-pix2pix")
    parser.add_argument("--cut", metavar="PATH", help="checkout of taesungp/contrastive-unpaired-translation")
    parser.add_argument("--stargan2", metavar="PATH", help="checkout of clovaai/stargan-v2")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--size", type=int, default=64, help="image size (px)")
    parser.add_argument("--batch", type=int, default=None,
                        help="batch size for every method; None: each official default (StarGAN v2 8, the others 1)")
    parser.add_argument("--steps", type=int, default=3, help="timed steps")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps before the timed ones")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads in every child")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--repeats", type=int, default=1,
                        help="ours/official pairs per method, alternated; the fastest of each side is reported")
    parser.add_argument("--cudnn-benchmark", choices=("as-is", "on", "off"), default="as-is",
                        help="as-is: as each side's own code leaves it (the official code turns it on); on/off: both")
    parser.add_argument("--channels-last", action="store_true",
                        help="our networks and batches in channels-last layout, as `bench train --channels-last` "
                             "(the official code has no such switch and runs contiguous tensors)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--official-path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeats < 1 or args.steps < 1 or args.warmup < 0:
        parser.error("--repeats and --steps must be at least 1, --warmup at least 0")
    if args.child:
        child_main(args)
        return

    print(f"official_step_time: {args.size} px, {args.steps} timed steps after {args.warmup}, {args.device}, "
          f"{args.threads} threads, {cpu_model()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"cudnn.benchmark {args.cudnn_benchmark}, ours channels-last {'on' if args.channels_last else 'off'}, "
          f"best of {args.repeats}")
    results, failed = {}, False
    for method in args.methods:
        path = getattr(args, REPO_ARG[method])
        if not path:
            print(f"{method}: skipped (no {REPO_FLAG[REPO_ARG[method]]} checkout given)")
            continue
        batch = args.batch or OFFICIAL_BATCH[method]
        runs, error = {"ours": [], "official": []}, None
        for _ in range(args.repeats):
            for role in ("ours", "official"):
                r = run_child(role, method, path if role == "official" else None, args, batch)
                error = error or r.get("error")
                runs[role].append(r)
        if error:
            print(f"{method}: FAILED\n{error}")
            failed = True
            continue
        ours = min(runs["ours"], key=lambda r: r["s_per_step"])
        official = min(runs["official"], key=lambda r: r["s_per_step"])
        equal, params = compare_params(method, ours, official)
        commit = official_commit(path)
        results[method] = {"batch": batch, "ours_s": ours["s_per_step"], "official_s": official["s_per_step"],
                           "ratio": ours["s_per_step"] / official["s_per_step"], "commit": commit,
                           "params_equal": equal, "params": params, "ours": ours, "official": official}
        print(f"{method}: batch {batch}, ours {ours['s_per_step']:.3f} s/step, official "
              f"{official['s_per_step']:.3f} s/step, ours/official {ours['s_per_step'] / official['s_per_step']:.2f}; "
              f"official commit {commit}")
        print(f"  parameters {'equal' if equal else 'DIFFER'}: {params}")
        differ = compare_hparams(method, ours)
        results[method]["hparams_differ"] = differ
        print(f"  hyper-parameters: {len(HP_CHECK[method])} checked against the official options, "
              + (f"DIFFER: {'; '.join(differ)}" if differ else "all equal"))
        for k, v in ours["overrides"].items():
            print(f"  ours: {k} = {v}, as the official default")
        for note in official["notes"]:
            print(f"  official: {note}")
        if official["stubbed"]:
            print(f"  official: stub modules for {', '.join(official['stubbed'])} "
                  f"(imported, not installed, unused in a step)")
        if ours["cudnn_benchmark"] != official["cudnn_benchmark"] and args.device != "cpu":
            print(f"  cudnn.benchmark: ours {ours['cudnn_benchmark']}, official {official['cudnn_benchmark']}")
        failed |= not equal or bool(differ)
    if results:
        print(f"{'method':9} {'batch':>5} {'ours s/step':>12} {'official s/step':>16} {'ours/official':>14}  commit")
        for method, r in results.items():
            print(f"{method:9} {r['batch']:>5} {r['ours_s']:>12.3f} {r['official_s']:>16.3f} {r['ratio']:>14.2f}  "
                  f"{r['commit']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": {k: v for k, v in vars(args).items() if k != "child"},
                                               "cpu": cpu_model(), "torch": torch.__version__,
                                               "results": results}, indent=1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""Command line: ``python -m bench <verb> ...``; each verb calls one function of the package."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from bench import __version__, defaults, progress
from bench.errors import BenchError

Handler = Callable[[argparse.Namespace], int | None]


def _cmd_tasks(args: argparse.Namespace) -> None:
    from bench.data.tasks import all_tasks

    rows = [(t.name, t.setting, ",".join(t.attributes or t.domains), str(t.image_size), "yes" if t.labels else "no",
             t.suite, str(t.root(args.data_root)), t.description) for t in all_tasks()]
    _table(("task", "setting", "domains / attributes", "size", "labels", "suite", "files", "description"), rows)


def _cmd_data_digits(args: argparse.Namespace) -> None:
    from bench.data.digits import DigitsConfig, build_digits

    cfg = DigitsConfig(seed=args.seed, size=args.size, test_fraction=args.test_fraction,
                       train_per_digit=args.train_per_digit, test_per_digit=args.test_per_digit,
                       max_sources=args.max_sources)
    for path in build_digits(args.out, cfg, force=args.force):
        print(path)
    if args.preview:
        from bench.report.grids import domain_preview

        domain_preview(Path(args.out), args.preview)
        print(args.preview)


def _cmd_data_fetch(args: argparse.Namespace) -> None:
    from bench.data.standard import ensure_dataset

    print(ensure_dataset(args.name, args.data_root, args.archive))


def _cmd_datasets(args: argparse.Namespace) -> None:
    from bench.data.standard import all_datasets
    from bench.defaults import data_root

    root = data_root(args.data_root)
    rows = [(e.name, e.layout, f"{e.size / 1e6:,.0f} MB" if e.size else "unknown",
             "yes" if (root / e.name).is_dir() else "no", e.checksum_status(root), e.url or "(user-supplied)")
            for e in all_datasets()]
    _table(("dataset", "layout", "size", "here", "checksum", "source"), rows)


def _cmd_methods(args: argparse.Namespace) -> None:
    from bench.registry import registry

    rows = [(cls.name, ",".join(sorted(cls.settings)), ",".join(cls.modes) or "-", cls.directions,
             cls.supervision, cls.paper) for cls in registry().values()]
    _table(("method", "settings", "modes", "directions", "supervision", "paper"), rows)


def _cmd_describe(args: argparse.Namespace) -> None:
    from bench.describe import describe
    from bench.hparams import parse_assignments

    profile = "paper" if args.paper else args.profile
    overrides = {} if args.paper else _suite_hparams(args.config, args.method)
    overrides.update(parse_assignments(args.set))
    print(json.dumps(describe(args.method, args.image_size, overrides, profile, task_name=args.task), indent=2))


def _suite_hparams(config: str | None, method: str) -> dict:
    if not config or not Path(config).is_file():
        return {}
    from bench.suite import method_overrides

    return method_overrides(config, method)


def _cmd_train(args: argparse.Namespace) -> None:
    from bench.data.tasks import get_task
    from bench.hparams import parse_assignments
    from bench.runtime import Numerics
    from bench.train import make_spec, train

    overrides, steps, profile, average = {}, args.steps, args.profile, args.weight_average
    if args.config:
        from bench.suite import config_profile, config_weight_average, method_overrides, method_steps

        overrides = method_overrides(args.config, args.method, args.task)
        steps = steps if steps is not None else method_steps(args.config, args.method, args.task)
        profile = profile or config_profile(args.config)
        average = average if average is not None else config_weight_average(args.config)
    overrides.update(parse_assignments(args.set))
    profile = profile or ("embedded" if get_task(args.task).suite == "digits" else "paper")
    numerics = Numerics(args.tf32, args.autocast, args.channels_last, not args.no_cudnn_benchmark)
    spec = make_spec(args.task, args.method, args.seed, steps, overrides, args.image_size, profile, numerics=numerics,
                     weight_average=average or 0.0)
    if args.dry_run:
        print(json.dumps({"dry_run": True, "out": args.out, **spec.__dict__}))
        return
    summary = train(spec, args.out, resume=args.resume, device=args.device, threads=args.threads,
                    sample_every=args.sample_every, checkpoint_every=args.checkpoint_every, log_every=args.log_every,
                    data_root=args.data_root, stream={"auto": None, "on": True, "off": False}[args.stream],
                    data_workers=args.data_workers)
    print(json.dumps({k: summary[k] for k in ("task", "method", "steps", "wall_s", "train_images_per_s")}))


def _cmd_translate(args: argparse.Namespace) -> None:
    from bench.translate import translate_run

    result = translate_run(args.run, args.out, k=args.k, n_diverse=args.n, batch_size=args.batch_size,
                           device=args.device, threads=args.threads, data_root=args.data_root)
    print(json.dumps({"out": args.out, "entries": list(result["entries"]),
                      "images_per_s": result["translate_images_per_s"]}))


def _cmd_evalnet(args: argparse.Namespace) -> None:
    from bench.metrics.evalnet import evalnet_task, train_evalnet
    from bench.runtime import set_threads

    if args.dry_run:
        print(json.dumps({"dry_run": True, "task": evalnet_task(args.suite), "out": args.out, "seed": args.seed,
                          "steps": args.steps}))
        return
    set_threads(args.threads)
    meta = train_evalnet(args.suite, args.out, seed=args.seed, steps=args.steps, data_root=args.data_root)
    print(json.dumps(meta))


def _cmd_evaluate(args: argparse.Namespace) -> None:
    from bench.metrics.evaluate import evaluate_run
    from bench.runtime import set_threads

    if args.translate:  # one process for both verbs: the workflow pays the start-up once per run
        _cmd_translate(argparse.Namespace(**{**vars(args), "out": args.translations}))
    set_threads(args.threads)
    result = evaluate_run(args.run, args.translations, args.out, evalnet=args.evalnet,
                          inception_weights=args.inception_weights, pairing=args.pairs, cache_root=args.cache,
                          data_root=args.data_root, device=args.device, kid_subsets=args.kid_subsets)
    print(json.dumps({row["mode"] or "metrics": row["metrics"] for row in result["rows"]}))


def _cmd_floor(args: argparse.Namespace) -> None:
    from bench.metrics.evaluate import evaluate_floor
    from bench.runtime import set_threads

    set_threads(args.threads)
    result = evaluate_floor(args.task, args.out, image_size=args.image_size, evalnet=args.evalnet,
                            inception_weights=args.inception_weights, cache_root=args.cache,
                            data_root=args.data_root, device=args.device, kid_subsets=args.kid_subsets)
    print(json.dumps({row["mode"] or "metrics": row["metrics"] for row in result["rows"]}))


def _cmd_score(args: argparse.Namespace) -> None:
    from bench.metrics.score import score_folders

    print(json.dumps(score_folders(args.fake, args.real, args.backbone, args.weights), indent=2))


def _cmd_publish(args: argparse.Namespace) -> None:
    from bench.report.publish import publish

    written = publish([Path(p) for p in args.metrics], [Path(p) for p in args.floors or []], Path(args.out),
                      args.data_root, args.image_size, args.label or "")
    print(json.dumps({k: str(v) for k, v in written.items()}))


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1; got {text}")
    return value


def _metric_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--evalnet", help="evaluation network of the digits suite (default: the pinned one shipped with "
                                     "the harness, SHA-256 verified)")
    p.add_argument("--inception-weights", help="Inception weights file (default: torch-fidelity's file in the "
                                               "torch hub cache)")
    p.add_argument("--cache", help=f"real-side feature cache (default ${defaults.CACHE_ENV} or {defaults.DEFAULT_CACHE})")
    p.add_argument("--kid-subsets", type=_positive_int, default=defaults.KID_SUBSETS,
                   help=f"KID subsets drawn (default {defaults.KID_SUBSETS}, torch-fidelity's)")


def _translate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k", type=int, default=defaults.DIVERSITY_K, help="outputs per input for multimodal methods")
    p.add_argument("--n", type=int, default=defaults.DIVERSITY_N, help="inputs that get k outputs")
    p.add_argument("--batch-size", type=int, default=64)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())


def _common(p: argparse.ArgumentParser, device: bool = False) -> None:
    p.add_argument("--data-root", help=f"folder of the tasks' files (default ${defaults.DATA_ROOT_ENV} or "
                                       f"{defaults.DEFAULT_DATA_ROOT})")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    if device:
        p.add_argument("--device", help="cuda, cuda:1, mps or cpu (default: the best available)")
        p.add_argument("--threads", type=int, help="CPU threads for torch (default: all cores)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="i2ibench: train, translate, score and "
                                     "compare image-to-image translation methods.")
    parser.add_argument("--version", action="version", version=f"i2ibench {__version__}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("tasks", help="list the registered tasks")
    _common(p)
    p.epilog = "Your own tasks: name a tasks file (bench/data/tasks.schema.yaml) in $I2IBENCH_TASKS."
    p.set_defaults(func=_cmd_tasks)

    p = verbs.add_parser("data", help="build the embedded suite or fetch a standard dataset")
    data = p.add_subparsers(dest="data_verb", required=True, metavar="ACTION")
    d = data.add_parser("digits", help="build the embedded digits suite (hand, mnistm, syn)")
    d.add_argument("--out", default=defaults.DEFAULT_DATA_ROOT, help="data root to write the task folders into")
    d.add_argument("--seed", type=int, default=defaults.DIGITS_SEED)
    d.add_argument("--size", type=int, default=defaults.DIGITS_SIZE, help="image size in pixels")
    d.add_argument("--test-fraction", type=float, default=defaults.DIGITS_TEST_FRACTION,
                   help="share of the source digits held out for testing")
    d.add_argument("--train-per-digit", type=int, default=defaults.DIGITS_TRAIN_PER_DIGIT,
                   help="renditions of each training source digit")
    d.add_argument("--test-per-digit", type=int, default=defaults.DIGITS_TEST_PER_DIGIT,
                   help="renditions of each test source digit")
    d.add_argument("--max-sources", type=int, default=0, help="use only the first N source digits (0: all 1,797)")
    d.add_argument("--force", action="store_true", help="rebuild even if an identical build exists")
    d.add_argument("--preview", help="also write a PNG grid of each domain's test images here")
    d.add_argument("--quiet", action="store_true", help="no progress bars")
    d.set_defaults(func=_cmd_data_digits)
    d = data.add_parser("fetch", help="download, verify and extract a standard dataset")
    d.add_argument("name")
    d.add_argument("--archive", help="extract this archive (.zip, .tar.gz, .tar) you downloaded instead of fetching "
                                     "one (AFHQ and CelebA-HQ have no working address); checked like a download")
    _common(d)
    d.set_defaults(func=_cmd_data_fetch)

    p = verbs.add_parser("datasets", help="list the standard datasets: size, source, whether they are here and how "
                                          "they are verified")
    _common(p)
    p.set_defaults(func=_cmd_datasets)

    p = verbs.add_parser("methods", help="list the registered methods")
    p.set_defaults(func=_cmd_methods)

    p = verbs.add_parser("describe", help="parameter counts of a method's networks, as JSON")
    p.add_argument("method")
    p.add_argument("--image-size", type=int, help="image size (default: the task's, else 256)")
    p.add_argument("--task", help="count on this registered task's setting and domains (default: a stand-in task "
                                  "of the method's first setting, two or three domains)")
    p.add_argument("--profile", choices=defaults.PROFILES, default="embedded", help="the method's profile (default embedded)")
    p.add_argument("--paper", action="store_true", help="the paper's configuration: --profile paper, no suite config")
    p.add_argument("--config", default="config/config.yaml", help="suite config whose overrides apply without --paper")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a hyper-parameter")
    p.set_defaults(func=_cmd_describe)

    p = verbs.add_parser("train", help="train a method on a task")
    p.add_argument("--task", required=True)
    p.add_argument("--method", required=True)
    p.add_argument("--seed", type=int, default=defaults.TRAIN_SEED)
    p.add_argument("--out", required=True, help="run folder (checkpoint, log, samples)")
    p.add_argument("--steps", type=int, help="training iterations (default: the config's, else the profile's budget)")
    p.add_argument("--profile", choices=defaults.PROFILES, help="the method's profile (default: the config's; else embedded "
                                                        "on the digits suite, paper on standard datasets)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a hyper-parameter")
    p.add_argument("--config", help="suite config (config/config.yaml) whose widths and budgets apply")
    p.add_argument("--image-size", type=int, help="train at another image size than the task's")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint, if any")
    p.add_argument("--sample-every", type=int, default=defaults.SAMPLE_EVERY)
    p.add_argument("--checkpoint-every", type=int, default=defaults.CHECKPOINT_EVERY)
    p.add_argument("--log-every", type=int, default=defaults.LOG_EVERY)
    p.add_argument("--weight-average", type=float, metavar="FRACTION",
                   help="translate and score with exponential averages of the weights spanning about this fraction "
                        "of training (e.g. 0.1; default: the config's, else 0, off)")
    p.add_argument("--tf32", action="store_true", help="TF32 matmuls and convolutions on the GPU (changes numerics)")
    p.add_argument("--autocast", choices=("off", "bf16"), default="off", help="bf16 autocast of training steps")
    p.add_argument("--channels-last", action="store_true", help="channels-last networks and batches")
    p.add_argument("--no-cudnn-benchmark", action="store_true", help="skip cuDNN's algorithm search (on by default)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the task, method, profile and overrides and print the run's settings; train nothing")
    p.add_argument("--stream", choices=("auto", "on", "off"), default="auto",
                   help="decode training images per batch instead of holding the split in memory (auto: when it "
                        f"would take more than {defaults.STREAM_ABOVE_BYTES / 2**30:g} GiB decoded)")
    p.add_argument("--data-workers", type=int, default=defaults.DATA_WORKERS,
                   help="DataLoader processes that make batches ahead (same batches; 0: in the training process)")
    _common(p, device=True)
    p.set_defaults(func=_cmd_train)

    p = verbs.add_parser("translate", help="translate a run's whole test set into a tensor file")
    p.add_argument("--run", required=True, help="run folder written by `train`")
    p.add_argument("--out", required=True, help="output file (.pt)")
    _translate_options(p)
    _common(p, device=True)
    p.set_defaults(func=_cmd_translate)

    p = verbs.add_parser("evalnet", help="retrain the evaluation network of the embedded suite (the recipe of the "
                                         "pinned one: seed 0, 1,500 steps, --threads 1)")
    p.add_argument("--suite", default="digits")
    p.add_argument("--out", default=defaults.EVALNET_PATH)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=defaults.EVALNET_STEPS)
    p.add_argument("--dry-run", action="store_true", help="check the arguments and print what would be trained")
    _common(p, device=True)
    p.set_defaults(func=_cmd_evalnet)

    p = verbs.add_parser("evaluate", help="score a run's translations (every metric that applies)")
    p.add_argument("--run", required=True, help="run folder written by `train`")
    p.add_argument("--translations", required=True, help="file written by `translate` (or by --translate)")
    p.add_argument("--out", required=True, help="metrics.json to write")
    p.add_argument("--translate", action="store_true",
                   help="first translate the run into --translations, as `translate` does, in this process")
    _translate_options(p)
    p.add_argument("--pairs", default=defaults.DIVERSITY_PAIRS, choices=("all", "consecutive"),
                   help="LPIPS diversity pairing: all K(K-1)/2 pairs (StarGAN v2) or consecutive (BicycleGAN)")
    _metric_options(p)
    _common(p, device=True)
    p.set_defaults(func=_cmd_evaluate)

    p = verbs.add_parser("floor", help="score the real-data floor of a task (target train vs target test)")
    p.add_argument("--task", required=True)
    p.add_argument("--out", required=True, help="metrics.json to write")
    p.add_argument("--image-size", type=int, help="score at another image size than the task's")
    _metric_options(p)
    _common(p, device=True)
    p.set_defaults(func=_cmd_floor)

    p = verbs.add_parser("score", help="FID/KID of two image folders, JSON to stdout")
    p.add_argument("--fake", required=True, help="folder of generated images")
    p.add_argument("--real", required=True, help="folder of real images")
    p.add_argument("--backbone", default="inception-v3-compat", help="inception-v3-compat or evalnet-digits")
    p.add_argument("--weights", help="the backbone's weights file")
    p.set_defaults(func=_cmd_score)

    p = verbs.add_parser("publish", help="aggregate metrics into the leaderboard, plots, sample grids and report")
    p.add_argument("--metrics", nargs="+", required=True, help="metrics.json files written by `evaluate`")
    p.add_argument("--floors", nargs="*", help="floor files written by `floor`")
    p.add_argument("--out", default="results", help="results folder")
    p.add_argument("--image-size", type=int, help="the image size the runs used, if not the tasks' own")
    p.add_argument("--label", help="what kind of comparison this is, shown above the boards")
    _common(p)
    p.set_defaults(func=_cmd_publish)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "quiet", False):
        progress.enabled = False
    try:
        from bench.data.user_tasks import register_env_tasks

        register_env_tasks()  # the tasks of $I2IBENCH_TASKS, for every verb
        return args.func(args) or 0
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

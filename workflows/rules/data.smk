"""Data: build the embedded digits suite (and its evaluation network), or fetch a standard dataset."""

DIGITS = {"seed": 0, "size": 32, "test_fraction": 0.2, "train_per_digit": 3, "test_per_digit": 3,
          "max_sources": 0, **(config.get("digits") or {})}


rule digits:
    output:
        expand("{data}/{task}/manifest.json", data=DATA, task=["hand2mnistm", "hand2mnistm_paired", "digits3"]),
    params:
        d=DIGITS,
    log:
        f"{LOGS}/data/digits.log",
    benchmark:
        f"{LOGS}/benchmarks/data/digits.tsv"
    shell:
        "python -m bench data digits --out {DATA} --seed {params.d[seed]} --size {params.d[size]} "
        "--test-fraction {params.d[test_fraction]} --train-per-digit {params.d[train_per_digit]} "
        "--test-per-digit {params.d[test_per_digit]} --max-sources {params.d[max_sources]} > {log} 2>&1"


if EVALNET:

    rule evalnet:
        input:
            f"{DATA}/digits3/manifest.json",
        output:
            EVALNET,
        params:
            steps=(config.get("evalnet") or {}).get("steps", 1500),
            seed=(config.get("evalnet") or {}).get("seed", 0),
            torch_threads=THREADS["evalnet"],
        priority: 100
        threads: claim("evalnet")
        log:
            f"{LOGS}/evalnet/digits.log",
        benchmark:
            f"{LOGS}/benchmarks/evalnet/digits.tsv"
        shell:
            "python -m bench evalnet --suite digits --out {output} --steps {params.steps} --seed {params.seed} "
            "--data-root {DATA} --threads {params.torch_threads} --quiet > {log} 2>&1"


rule fetch:
    output:
        directory(f"{DATA}/{{dataset}}"),
    wildcard_constraints:
        dataset=r"(?!hand2mnistm|digits3)[A-Za-z0-9_]+",
    log:
        f"{LOGS}/data/{{dataset}}.log",
    shell:
        "python -m bench data fetch {wildcards.dataset} --data-root {DATA} > {log} 2>&1"

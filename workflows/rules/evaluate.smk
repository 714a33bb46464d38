"""Scoring: the real-data floor of each test set (which caches its real features), then every run's translation
and scores."""


def floor_inputs(w):
    inputs = [task_data(BOARD_TASK[w.board])]
    if config["suite"] == "digits" and EVALNET:
        inputs.append(EVALNET)
    return inputs


rule floor:
    input:
        floor_inputs,
    output:
        f"{RESULTS}/floors/{{board}}.json",
    params:
        task=lambda w: BOARD_TASK[w.board],
        image=image_arg(),
        evalnet=evalnet_arg(),
        weights=metric_weights_arg(),
        kid_subsets=METRICS["kid_subsets"],
        torch_threads=THREADS["evaluate"],
    priority: 90
    threads: claim("evaluate")
    resources:
        gpu=GPU,
    log:
        f"{LOGS}/floor/{{board}}.log",
    benchmark:
        f"{LOGS}/benchmarks/floor/{{board}}.tsv"
    shell:
        "python -m bench floor --task {params.task} --out {output} {params.image} {params.evalnet} {params.weights} "
        "--kid-subsets {params.kid_subsets} --cache {CACHE} --data-root {DATA} --threads {params.torch_threads} "
        "> {log} 2>&1"


rule evaluate:
    """Translate the run's test set, then score it, in one process (one start-up per run instead of two)."""
    input:
        trained=f"{RUNS}/{{task}}/{{method}}/seed{{seed}}/train_summary.json",
        floor=lambda w: f"{RESULTS}/floors/{board_of(w)}.json",
    output:
        translations=f"{RUNS}/{{task}}/{{method}}/seed{{seed}}/translations.pt",
        metrics=f"{RUNS}/{{task}}/{{method}}/seed{{seed}}/metrics.json",
    params:
        run=run_dir,
        k=METRICS["k"],
        n=METRICS["n"],
        pairs=METRICS["pairs"],
        evalnet=evalnet_arg(),
        weights=metric_weights_arg(),
        kid_subsets=METRICS["kid_subsets"],
        torch_threads=THREADS["evaluate"],
    priority: 40
    threads: claim("evaluate")
    resources:
        gpu=GPU,
    log:
        f"{LOGS}/evaluate/{{task}}/{{method}}/seed{{seed}}.log",
    benchmark:
        f"{LOGS}/benchmarks/evaluate/{{task}}/{{method}}/seed{{seed}}.tsv"
    shell:
        "python -m bench evaluate --run {params.run} --translate --k {params.k} --n {params.n} "
        "--translations {output.translations} --out {output.metrics} --pairs {params.pairs} {params.evalnet} "
        "{params.weights} --kid-subsets {params.kid_subsets} --cache {CACHE} --data-root {DATA} "
        "--threads {params.torch_threads} > {log} 2>&1"

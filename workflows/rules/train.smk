"""Training and translation of every (task, method, seed) job of the config."""


rule train:
    input:
        lambda w: task_data(w.task),
    output:
        f"{RUNS}/{{task}}/{{method}}/seed{{seed}}/train_summary.json",
    params:
        run=run_dir,
        steps=lambda w: job_of(w).steps,
        profile=lambda w: job_of(w).profile,
        sets=set_args,
        image=image_arg(),
        sample_every=config.get("sample_every", 200),
        checkpoint_every=config.get("checkpoint_every", 200),
        torch_threads=THREADS["train"],
    priority: 50
    threads: claim("train")
    resources:
        gpu=GPU,
    log:
        f"{LOGS}/train/{{task}}/{{method}}/seed{{seed}}.log",
    benchmark:
        f"{LOGS}/benchmarks/train/{{task}}/{{method}}/seed{{seed}}.tsv"
    shell:
        "python -m bench train --task {wildcards.task} --method {wildcards.method} --seed {wildcards.seed} "
        "--out {params.run} --profile {params.profile} --steps {params.steps} {params.sets} {params.image} --data-root {DATA} "
        "--sample-every {params.sample_every} --checkpoint-every {params.checkpoint_every} "
        "--threads {params.torch_threads} --resume --quiet > {log} 2>&1"


rule translate:
    input:
        f"{RUNS}/{{task}}/{{method}}/seed{{seed}}/train_summary.json",
    output:
        f"{RUNS}/{{task}}/{{method}}/seed{{seed}}/translations.pt",
    params:
        run=run_dir,
        k=METRICS["k"],
        n=METRICS["n"],
        torch_threads=THREADS["evaluate"],
    priority: 40
    threads: claim("evaluate")
    resources:
        gpu=GPU,
    log:
        f"{LOGS}/translate/{{task}}/{{method}}/seed{{seed}}.log",
    benchmark:
        f"{LOGS}/benchmarks/translate/{{task}}/{{method}}/seed{{seed}}.tsv"
    shell:
        "python -m bench translate --run {params.run} --out {output} --k {params.k} --n {params.n} "
        "--data-root {DATA} --threads {params.torch_threads} --quiet > {log} 2>&1"

"""Training of every (task, method, seed) job of the config (translation runs in its evaluate job)."""


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
        numerics=numerics_args(),
        average=f"--weight-average {config['weight_average']}" if config.get("weight_average") else "",
        data=data_args(),
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
        "--out {params.run} --profile {params.profile} --steps {params.steps} {params.sets} {params.image} {params.numerics} {params.average} "
        "{params.data} "
        "--data-root {DATA} "
        "--sample-every {params.sample_every} --checkpoint-every {params.checkpoint_every} "
        "--threads {params.torch_threads} --resume --quiet > {log} 2>&1"


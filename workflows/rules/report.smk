"""Publishing: the leaderboard, plots, sample grids and the HTML report, in one step from the metrics."""


rule publish:
    input:
        metrics=run_files("metrics.json"),
        floors=expand(f"{RESULTS}/floors/{{board}}.json", board=BOARDS),
    output:
        csv=report(LEADERBOARD, caption="../report/leaderboard.rst", category="Leaderboard"),
        md=f"{RESULTS}/leaderboard.md",
        html=report(REPORT, caption="../report/report.rst", category="Report"),
        plots=report(directory(f"{RESULTS}/plots"), patterns=["{name}.png"], caption="../report/plots.rst",
                     category="Plots"),
    params:
        image=image_arg(),
        label=shlex.quote(config.get("label", "")),
    log:
        f"{LOGS}/publish.log",
    benchmark:
        f"{LOGS}/benchmarks/publish.tsv"
    shell:
        "python -m bench publish --metrics {input.metrics} --floors {input.floors} --out {RESULTS} "
        "{params.image} --data-root {DATA} --label {params.label} > {log} 2>&1"

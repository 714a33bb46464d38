"""i2ibench workflow: data → train → translate → evaluate → publish (leaderboard, plots, report).

Run the embedded default suite with `snakemake --cores 8 results/leaderboard.csv`; every rule calls one
`python -m bench` verb, so each step also runs on its own.
"""

import os

from snakemake.utils import min_version, validate

min_version("8.0")


# A suite config given with --configfile stands alone (nothing is inherited from another suite); the embedded
# default applies only when none is given. --config key=value still overrides either.
if not workflow.overwrite_configfiles:

    configfile: os.path.join(workflow.basedir, "config", "config.yaml")


validate(config, os.path.join(workflow.basedir, "workflows", "schemas", "config.schema.yaml"))


include: "workflows/rules/common.smk"
include: "workflows/rules/data.smk"
include: "workflows/rules/train.smk"
include: "workflows/rules/evaluate.smk"
include: "workflows/rules/report.smk"


rule all:
    default_target: True
    input:
        LEADERBOARD,
        REPORT,

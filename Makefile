# Two commands on a fresh machine: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The optional group for dbt on Apache Spark (`make test`, `make spark-check` and `make bench` need it; Java 17 must be
# on the machine).
SPARK_STAMP := $(VENV)/.installed-spark
export WAREHOUSE_DIR ?= $(CURDIR)/warehouse

.PHONY: install install-spark parse demo test lint dev docs serve-bi bench bench-runs faults spark-check clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

install: $(STAMP)

# pyspark builds its wheel on install: about 80 s, once.
$(SPARK_STAMP): $(STAMP) pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev,spark]'
	touch $@

install-spark: $(SPARK_STAMP)

# Dagster loads dbt assets from target/manifest.json: parsed again only when a file of the project changed.
MANIFEST := dbt_project/target/manifest.json
DBT_FILES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f) \
	dbt_project/dbt_project.yml dbt_project/profiles.yml

$(MANIFEST): $(STAMP) $(DBT_FILES)
	cd dbt_project && ../$(BIN)/rare-earth-dbt parse --quiet --profiles-dir .

parse: $(MANIFEST)

demo: parse
	$(BIN)/rare-earth sample
	$(BIN)/rare-earth load
	$(BIN)/rare-earth status

lint: install
	$(BIN)/ruff check .

test: parse lint $(SPARK_STAMP)
	$(BIN)/dg check defs
	$(BIN)/python -m pytest

# --no-check-yaml: the definitions are Python, with no defs.yaml to check, and `make test` runs `dg check defs`;
# the check would cost seconds of every start.
dev: parse
	mkdir -p $(WAREHOUSE_DIR)/dagster_home
	cp orchestration/dagster.yaml $(WAREHOUSE_DIR)/dagster_home/
	PATH=$(CURDIR)/$(BIN):$$PATH DAGSTER_HOME=$(WAREHOUSE_DIR)/dagster_home $(BIN)/dg dev --no-check-yaml -h 127.0.0.1 -p 3000

docs: parse
	$(BIN)/rare-earth docs

serve-bi: install
	$(BIN)/rare-earth serve-bi

# The ingest benchmark (about 4 minutes), then the 10-year full rebuild on DuckDB and on Spark local[2] (9 to 11).
bench: install $(SPARK_STAMP)
	$(BIN)/python tests/benchmarks/bench_ingest.py
	$(BIN)/python tests/benchmarks/bench_scale_out.py

# Whole commands against the release before (3e661f3, checked out with its own venv under bench-data/), alternated
# over 2 repeats: about 15 minutes. Options: make bench-runs BENCH_RUNS_ARGS='--repeats 3 --only status'
bench-runs: install
	$(BIN)/python tests/benchmarks/bench_runs.py $(BENCH_RUNS_ARGS)

# Crash trials: SIGKILL `rare-earth load` at 50 moments, each on a fresh copy of a published warehouse.
faults: parse
	$(BIN)/python tests/faults/run_faults.py --trials 50 --jobs 2

# The sample loaded with dbt on DuckDB and on Spark: every published mart compared, then one month rerun on Spark.
spark-check: parse $(SPARK_STAMP)
	$(BIN)/python tests/spark/spark_check.py $(SPARK_CHECK_ARGS)

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs

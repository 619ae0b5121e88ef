# omics-introspect developer entry points. The logic lives in scripts/; recipes stay short.
# Ports: MOTO_PORT (default 4566) and EMULATOR_PORT (default 4599) are read from the environment.

SHELL := /bin/bash
CARGO ?= cargo

# The committed 250-task fixture (tests/fixtures/runs/1000006); keep in step with tests/src/synthetic/'s fixture test.
FIXTURE_1000006 := --run-id 1000006 --uuid 5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c37 --tasks 250 --cached 4 --gpu 2 \
	--seed 1000006 --status COMPLETED

.PHONY: help venv stack-up stack-down stack-status local test lint fmt fixtures venv-deploy build sam-build \
	deploy

help:
	@echo "make local        start moto + the HealthOmics emulator and show what is there"
	@echo "make test         start the stack, run cargo and pytest tests, stop the stack"
	@echo "make lint | fmt   cargo fmt --check + clippy -D warnings + cfn-lint + sam validate --lint | cargo fmt"
	@echo "make build        cargo lambda build --release --arm64 of every function; prints bootstrap sizes"
	@echo "make sam-build    sam build (.aws-sam/build) | make deploy: sam build + sam deploy --guided"
	@echo "make invoke FUNCTION=<fn> EVENT=events/<file>.json   one event through cargo lambda watch/invoke"
	@echo "make backfill SINCE=7d   enrich every run whose manifest appeared in the window (local stack)"
	@echo "make stack-up | stack-down | stack-status | venv | fixtures"
	@echo "make bench        enrichment 1k/10k/100k tasks vs omics-run-analyzer, API load; updates docs/benchmarks.md"
	@echo "make fuzz         long property-test session of the parsers, then schemathesis (FUZZ_CASES, FUZZ_EXAMPLES)"
	@echo "make refresh-prices  rewrite shared/data/prices.json from the AWS Price List API (needs AWS credentials)"

venv:
	@bash scripts/venv.sh

# Build, lint and deploy tools (aws-sam-cli, cfn-lint, cargo-lambda, zig) in .venv-deploy; `make test` needs none.
venv-deploy:
	@bash scripts/venv-deploy.sh

build:
	@bash scripts/build.sh

sam-build:
	@bash scripts/sam.sh build

deploy:
	@bash scripts/sam.sh deploy

stack-up:
	@bash scripts/stack-up.sh

stack-down:
	@bash scripts/stack-down.sh

stack-status:
	@bash scripts/stack-status.sh

local:
	@bash scripts/local.sh

test:
	@bash scripts/test.sh

lint:
	@CARGO=$(CARGO) bash scripts/lint.sh

fmt:
	$(CARGO) fmt --all

fixtures:
	$(CARGO) run --quiet -p omics-introspect-tests --bin synth-run -- $(FIXTURE_1000006) --out tests/fixtures/runs/1000006

# Benchmarks and long fuzzing sessions: not part of `make test` (bounded runs of the same suites are).
.PHONY: backfill invoke invoke-event
# Enrich every run whose manifest appeared in the window, on the local stack (make stack-up first).
backfill:
	@set -a; source .local/stack.env; set +a; $(CARGO) run -q -p enrich-run -- backfill --since $(or $(SINCE),7d)
# One event through the real function binary under `cargo lambda watch` + `cargo lambda invoke` (no Docker), on the
# local stack: make invoke FUNCTION=enrich-run EVENT=events/run-status-completed.json
invoke:
	@bash scripts/invoke.sh "$(FUNCTION)" "$(EVENT)"
# One EventBridge event through the real enrich-run code path, without cargo-lambda: make invoke-event EVENT=events/<file>.json
invoke-event:
	@set -a; source .local/stack.env; set +a; $(CARGO) run -q -p enrich-run -- invoke --event $(EVENT)

.PHONY: bench fuzz api-fuzz
# schemathesis over openapi.yaml against local-api on the running stack (make stack-up); N examples per operation.
api-fuzz:
	@bash scripts/api-fuzz.sh $(or $(N),200)

bench:
	@bash scripts/bench.sh

fuzz:
	@bash scripts/bench-fuzz.sh

# Rewrites shared/data/prices.json from the AWS Price List API (GetProducts, AmazonOmics; needs AWS credentials
# allowed pricing:GetProducts and boto3; cannot run against the local stack). REGIONS=us-east-1,us-west-2 narrows it.
.PHONY: refresh-prices
refresh-prices:
	@"$(if $(wildcard .venv/bin/python),.venv/bin/python,python3)" scripts/refresh-prices.py \
		$(if $(REGIONS),--regions $(REGIONS))

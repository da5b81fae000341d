# One target per habit; CI (.ci/run) calls `make test`. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
PROTO_OUT := services/protos/src
PROTO_SRC := $(shell find protos -name '*.proto')
STACK := $(PY) deploy/local/stack.py
SERVICES := lead opportunity contract payment notification analytics

.PHONY: help env protos protolint fmt lint typecheck importlint check test test-unit test-service \
        test-worker test-e2e test-deploy up down status clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet --user --break-system-packages "uv==$(UV_VERSION)"

env: $(UV) ## create .venv from uv.lock (Python 3.11) and generate the protos
	$(UV) sync --frozen --python 3.11
	$(MAKE) --no-print-directory protos

protos: ## generate Python code and .pyi stubs from protos/ into services/protos/src
	@rm -rf $(PROTO_OUT)/crm && mkdir -p $(PROTO_OUT)
	$(PY) -m grpc_tools.protoc -Iprotos -I$$($(PY) -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))') \
	  --python_out=$(PROTO_OUT) --grpc_python_out=$(PROTO_OUT) --pyi_out=$(PROTO_OUT) $(PROTO_SRC)

protolint: ## buf lint, and buf breaking against the previous commit (a published field is never broken)
	cd protos && ../.venv/bin/buf lint
	@if git rev-parse -q --verify HEAD~1 >/dev/null && git cat-file -e HEAD~1:protos/buf.yaml 2>/dev/null; then \
	  .venv/bin/buf breaking protos --against '.git#ref=HEAD~1,subdir=protos'; \
	else echo "buf breaking: no earlier commit with protos/buf.yaml to compare against"; fi

fmt: ## format the code
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

lint: ## ruff lint and format check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

TYPED := $(foreach s,$(SERVICES),-p $(s))

typecheck: ## mypy (strict) on every module of every service, the runtime and the gateway
	.venv/bin/mypy $(TYPED) -p crm_runtime -p gateway

importlint: ## architecture contracts (domain imports no I/O framework; no service imports another; only stores import pymongo; layers inside a service)
	.venv/bin/lint-imports

check: lint protolint typecheck importlint ## the cheap gates, seconds

test-unit: ## domain logic and pure runtime code, no I/O
	$(PY) -m pytest -q services/*/tests/unit gateway/tests/unit

test-service: ## gRPC servicers in-process and stores on the embedded MongoDB
	$(PY) -m pytest -q services/*/tests/integration gateway/tests/integration

test-worker: ## nameko workers against the real RabbitMQ (separate process: eventlet)
	$(PY) -m pytest -q -p crm_runtime.testing.eventlet_first services/*/tests/worker

test-e2e: ## the whole local stack through the gateway (starts and stops its own)
	$(PY) -m pytest -q tests/e2e

test-deploy: ## chart render + lint, manifest validation, dashboards/alerts, skaffold schema
	$(PY) -m pytest -q tests/deploy

test: env ## everything CI runs: prepares a fresh machine, gates, then every suite
	$(STACK) prepare
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory test-unit test-service test-worker test-deploy test-e2e

up: env ## start the whole platform locally and write .local/dev.env
	$(STACK) up

down: ## stop exactly what `make up` started
	@if [ -x $(PY) ]; then $(STACK) down; else echo "nothing to stop"; fi

status: ## what runs where
	$(STACK) status

clean: down ## remove generated code, the environment and local state
	rm -rf .venv .local $(PROTO_OUT)/crm

.PHONY: bench bench-gateway bench-lead bench-opportunity

bench: bench-gateway bench-lead bench-opportunity ## every benchmark (figures in docs/benchmarks.md)

bench-gateway: env ## gateway overhead vs direct gRPC at concurrency 32, rate-limiter cost (test-profile stack)
	$(PY) tests/bench/gateway_overhead.py --requests 3000 --concurrency 32

CAPTURE_REQUESTS ?= 2000
CAPTURE_CONCURRENCY ?= 16
CAPTURE_ROUNDS ?= 2
DEDUP_LEADS ?= 1000000
DEDUP_LOOKUPS ?= 2000
IMPORT_ROWS ?= 100000

bench-lead: env ## lead capture vs the raw stack, dedup look-ups at DEDUP_LEADS leads, import rows/s
	$(PY) tests/bench/lead_capture.py --requests $(CAPTURE_REQUESTS) --concurrency $(CAPTURE_CONCURRENCY) --rounds $(CAPTURE_ROUNDS)
	$(PY) tests/bench/lead_dedup.py --leads $(DEDUP_LEADS) --lookups $(DEDUP_LOOKUPS)
	$(PY) tests/bench/lead_import.py --rows $(IMPORT_ROWS)

STAGE_REQUESTS ?= 2000
STAGE_CONCURRENCY ?= 16
STAGE_ROUNDS ?= 2
LIST_DEALS ?= 1000000
LIST_REQUESTS ?= 500

bench-opportunity: env ## stage changes vs the raw stack at c=16; a page of 50 deals by stage+owner at LIST_DEALS deals
	$(PY) tests/bench/opportunity_stage.py --requests $(STAGE_REQUESTS) --concurrency $(STAGE_CONCURRENCY) --rounds $(STAGE_ROUNDS)
	$(PY) tests/bench/opportunity_list.py --deals $(LIST_DEALS) --lists $(LIST_REQUESTS)

# The two commands the README promises: `make run` and `make test`.
.PHONY: run test test-fast setup setup-test lint typecheck images

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

PORT ?= 8000

run: setup
	MALLOC_ARENA_MAX=2 .venv/bin/hmsverify demo --port $(PORT)

test: setup-test
	scripts/services.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy verifier portal bench scripts tests
	.venv/bin/pytest -q

# The quick loop while editing: no browser, no slow tests, no PostgreSQL or Redis (so no
# services to start); `make test` runs everything before a commit.
test-fast: setup-test
	.venv/bin/pytest -q -m "not browser and not slow and not postgres and not redis and not rabbitmq"

lint:
	.venv/bin/ruff check .

typecheck:
	.venv/bin/mypy verifier portal bench scripts tests

images:
	.venv/bin/python scripts/make_test_images.py

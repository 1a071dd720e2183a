.PHONY: run test chaos bench lint format messages

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# The chaos tests alone (Redis, a worker, PostgreSQL, WeChat failing mid-flow); `make test` runs them too.
chaos:
	bash scripts/test.sh -m chaos tests/chaos

bench:
	bash scripts/bootstrap.sh --test
	.venv/bin/python -m o2o.embedded -- bash bench/run_all.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

messages:
	bash scripts/translations.sh

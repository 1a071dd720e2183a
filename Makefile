.PHONY: run test bench lint format messages

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

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

.PHONY: setup demo check test lint bench generate

setup:        ## make this machine ready (ODOO_SRC=/path/to/odoo-19.0)
	scripts/setup.sh

demo:         ## build/update the demo database and serve it on http://localhost:8069
	scripts/demo.sh

check:        ## the quick lane: lint, the wheel's build, the addon's tests but the serene_slow ones (no tours)
	scripts/test.sh --fast

test:         ## everything CI runs, each test once: lint, the wheel, the addon's suite with tours, tests/
	scripts/test.sh

lint:
	ruff check . && ruff format --check . && python3 -m pylint --rcfile=.pylintrc serene_client_portal \
		&& python3 scripts/check_sudo.py

bench:        ## performance against Odoo's own pages and calls (SCALE=1: also the generated data, 1k/10k clients)
	DEMO_DB=serene_bench scripts/demo.sh --no-serve >/dev/null
	python3 scripts/bench.py --db serene_bench --addons-path "$$(bash -c 'source scripts/lib.sh; echo $$ADDONS_PATH')" \
		$(if $(SCALE),--scale)

generate:     ## a practice at scale: make generate DB=serene_scale CLIENTS=10000 COMPANIES=1 [SEED=1]
	python3 scripts/generate.py --db "$(or $(DB),serene_scale)" --clients "$(or $(CLIENTS),10000)" \
		--companies "$(or $(COMPANIES),1)" --seed "$(or $(SEED),1)"

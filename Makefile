.PHONY: setup demo test lint bench

setup:        ## make this machine ready (ODOO_SRC=/path/to/odoo-19.0)
	scripts/setup.sh

demo:         ## build/update the demo database and serve it on http://localhost:8069
	scripts/demo.sh

test:         ## everything CI runs
	scripts/test.sh

lint:
	ruff check . && ruff format --check . && python3 -m pylint --rcfile=.pylintrc serene_client_portal

bench:        ## portal pages against Odoo's own pages, measured in the same run
	DEMO_DB=serene_bench scripts/demo.sh --no-serve >/dev/null
	python3 scripts/bench.py --db serene_bench --addons-path "$$(bash -c 'source scripts/lib.sh; echo $$ADDONS_PATH')"

.PHONY: setup demo test lint

setup:        ## make this machine ready (ODOO_SRC=/path/to/odoo-19.0)
	scripts/setup.sh

demo:         ## build/update the demo database and serve it on http://localhost:8069
	scripts/demo.sh

test:         ## everything CI runs
	scripts/test.sh

lint:
	ruff check . && ruff format --check . && python3 -m pylint --rcfile=.pylintrc serene_client_portal

"""A pytest plugin for the addon's suite under pytest-odoo: leave out the tests carrying an Odoo
test tag, as Odoo's own ``--test-tags -TAG`` does (pytest-odoo reads no Odoo tag).

    python3 -m pytest -p pytest_odoo_tags --odoo-exclude-tag at_install --odoo-exclude-tag serene_slow ...

scripts/test.sh runs the at_install tests with Odoo's runner, during the install, and the others
through pytest-odoo on the installed database: each test once, each in its place.
The tests left out are deselected (not skipped: a skip counts as a failure in scripts/summarize.py).
"""


def pytest_addoption(parser):
    parser.addoption(
        "--odoo-exclude-tag",
        action="append",
        default=[],
        help="leave out the tests with this Odoo test tag (at_install, serene_slow...); repeatable",
    )


def pytest_collection_modifyitems(config, items):
    excluded = set(config.getoption("--odoo-exclude-tag"))
    if not excluded:
        return
    kept, left_out = [], []
    for item in items:
        tags = getattr(getattr(item, "cls", None), "test_tags", None) or set()
        (left_out if tags & excluded else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept

"""Generates a database's asset bundles once, before its browser tests (``odoo-bin shell < this``).

Odoo's own runner does the same before its post_install tests (``_pregenerate_assets_bundles``):
a bundle generated inside a test is rolled back with the test, so without this every browser
test compiles the web client's and the website's bundles again (about ten seconds each on the
2-core machine), and a request that waits behind such a compile past Odoo's test-cursor lock
(20 s) fails its tour. Left out: the bundles that only Odoo's own JavaScript unit tests and the
API documentation page open (about half of the time), which no test of this project loads.
"""

import re
import time

UNUSED = re.compile(r"unit_tests|qunit|tests_assets|api_doc")

started = time.time()
qweb = env["ir.qweb"]  # noqa: F821 - odoo-bin shell's environment
js_bundles, css_bundles = qweb._get_bundles_to_pregenarate()
for bundle in sorted(b for b in js_bundles if not UNUSED.search(b)):
    qweb._get_asset_bundle(bundle, css=False, js=True).js()
for bundle in sorted(b for b in css_bundles if not UNUSED.search(b)):
    qweb._get_asset_bundle(bundle, css=True, js=False).css()
env.cr.commit()  # noqa: F821
print(f"asset bundles generated in {time.time() - started:.0f} s")

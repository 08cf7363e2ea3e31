from . import test_client_portal
from . import test_portal_access
from . import test_portal_concurrency
from . import test_query_counts
from . import test_portal_http
from . import test_ui
from . import test_accessibility
from . import test_clients_and_core_tables

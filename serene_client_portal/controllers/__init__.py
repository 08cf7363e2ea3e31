from . import binary
from . import portal
from . import report
from . import survey
from . import messages
from . import booking

from .clamd import clamd_instream
from .uploads import sanitize_filename, sniff_mimetype

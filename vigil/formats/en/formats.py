# The same day/month/year dates as Vietnamese (see vi/formats.py); only the
# number separators follow English.
from vigil.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","

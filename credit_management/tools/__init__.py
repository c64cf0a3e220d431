from . import regression
from . import xlsx

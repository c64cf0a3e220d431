from . import amounts
from . import batches
from . import regression
from . import xlsx

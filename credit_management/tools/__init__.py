from . import amounts
from . import batches
from . import markers
from . import numbers
from . import prepared
from . import regression
from . import xlsx

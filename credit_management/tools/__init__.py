from . import regression

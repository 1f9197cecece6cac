from . import helpers
from .helpers import thing

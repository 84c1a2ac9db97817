"""Imports every area's models so Alembic and tests see the whole schema."""

import importlib
import importlib.util

from .auth import models as _auth  # noqa: F401
from .centres import models as _centres  # noqa: F401
from .db import Base
from .realtime import models as _realtime  # noqa: F401
from .tickets import models as _tickets  # noqa: F401

for _name in ("procedures", "dossiers", "ratings"):
    if importlib.util.find_spec(f"queue_server.{_name}") is not None:
        importlib.import_module(f"queue_server.{_name}.models")

metadata = Base.metadata

"""Imports every area's models so Alembic and tests see the whole schema.

Adding an area with tables: import its models here by name.
"""

from .appointments import models as _appointments  # noqa: F401
from .audit import models as _audit  # noqa: F401
from .auth import models as _auth  # noqa: F401
from .calendar import models as _calendar  # noqa: F401
from .centres import models as _centres  # noqa: F401
from .db import Base
from .dossiers import models as _dossiers  # noqa: F401
from .notifications import models as _notifications  # noqa: F401
from .procedures import models as _procedures  # noqa: F401
from .ratings import models as _ratings  # noqa: F401
from .realtime import models as _realtime  # noqa: F401
from .tickets import models as _tickets  # noqa: F401

metadata = Base.metadata

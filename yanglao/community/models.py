"""Community: activities, donations, volunteer teams and publicity.

Each part keeps its models under its own comment heading below.
"""

from __future__ import annotations

from django.db import models  # noqa: F401

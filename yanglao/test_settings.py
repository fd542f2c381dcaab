"""Settings for the test suite: the real settings with YANGLAO_ENV=test."""

import os

os.environ.setdefault("YANGLAO_ENV", "test")

from yanglao.settings import *  # noqa: F403

# Hashing a password properly costs ~0.3 s; the suite logs in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

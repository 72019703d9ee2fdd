"""Settings for the test suite: the real settings, with tasks run eagerly and a cheap password hasher."""

import os

os.environ.setdefault("GRIDGOV_TESTING", "1")

from .settings import *  # noqa: F403

TESTING = True
CELERY_TASK_ALWAYS_EAGER = True
# Tests create many users; the production hasher's cost is a benchmark of PBKDF2, not of gridgov.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns on every request otherwise)

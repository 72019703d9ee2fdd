"""Settings for a field server whose static files can be changed under it (tests/browser/test_fieldwork_app_update.py):
the directory named by GRIDGOV_TEST_STATIC_OVERRIDE is searched before the apps' own static files."""

import os

from gridgov.config.settings import *  # noqa: F403

STATICFILES_DIRS = [os.environ["GRIDGOV_TEST_STATIC_OVERRIDE"]]

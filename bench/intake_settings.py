"""Settings for ``bench/intake.py``: the project's settings, with a URLconf that adds the bare comparison view."""

from gridgov.config.settings import *  # noqa: F403

ROOT_URLCONF = "intake_urls"

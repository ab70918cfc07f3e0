"""Shared test settings: hypothesis profiles.

``default`` draws new examples on every run; ``ci`` (chosen when the ``CI`` variable is set)
draws the same examples every time, so a CI run is repeatable; ``thorough`` draws ten times
as many. Pick one with ``HYPOTHESIS_PROFILE=thorough make test``.
"""

import os

from hypothesis import HealthCheck, settings

common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=100, **common)
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **common)
settings.register_profile("thorough", max_examples=1000, **common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))

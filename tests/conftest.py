"""Shared test settings: hypothesis profiles.

Profiles: ``ci`` (default; bounded so the whole suite stays well inside CI's budget),
``dev`` (a little more), ``deep`` (long fuzzing runs). Choose with HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, stateful_step_count=50, deadline=None)
settings.register_profile(
    "deep",
    max_examples=5000,
    stateful_step_count=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

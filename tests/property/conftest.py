"""Hypothesis profiles for the property and fuzz tests.

`ci` (the default) keeps `tests/property` and `tests/fuzz` to about a minute on
two cores; `long` runs the same tests on 2,000 examples each:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/property tests/fuzz

Neither profile has a deadline: a simulated park's first run pays for imports
and numpy warm-up, which is not what these tests measure. Shrunk
counter-examples are kept in the suite as `@example(...)` cases next to the
test that found them (`.hypothesis/`, the local example database, is not
committed).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=50, **_COMMON)
settings.register_profile("long", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

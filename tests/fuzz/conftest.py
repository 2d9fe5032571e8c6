"""The fuzz tests share the Hypothesis profiles of `tests/property` (`ci`, `long`)."""

from __future__ import annotations

import tests.property.conftest  # noqa: F401  (registers and loads the profile)

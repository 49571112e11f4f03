"""Small-world EHR families shared by the EHR tests (150 patients: seconds to build, once)."""

from __future__ import annotations

import pytest
from ehr_helpers import FAMILY_CLASSES, TEST_PATIENTS

from medagentgym.tasks.ehr.family import EhrFamily


@pytest.fixture(scope="session")
def small_families() -> dict[str, EhrFamily]:
    """One small-world instance of each EHR family (not the registered ones)."""
    return {name: cls(n_patients=TEST_PATIENTS) for name, cls in FAMILY_CLASSES.items()}

"""Issue 3's acceptance test, part 3 of 3: every page, filtered to each ward of `WARD_PARTS[2]`, shows no count
from 1 to the suppression threshold anywhere (tests/suppression_pages.py says how; test_suppression_pages.py has
the first part, the Halton-wide view and the negative controls). A module of its own so xdist runs it beside the
others.
"""

from __future__ import annotations

import pytest
from suppression_pages import WARD_PARTS, app, check_every_page_for_the_ward, demo_folder, downloads, ward_ids  # noqa: F401


@pytest.mark.parametrize("ward, name", WARD_PARTS[2], ids=ward_ids(WARD_PARTS[2]))
def test_every_page_filtered_to_a_ward_shows_no_small_count(app, downloads, ward, name):
    check_every_page_for_the_ward(app, downloads, ward, name)

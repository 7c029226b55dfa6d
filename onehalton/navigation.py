"""The one page registry: dashboard.py builds its navigation from it, and the tests, the browser checks, the
screenshots and the benchmark all list pages from it, so a page added here is served and tested everywhere."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    script: str  # path from the project root
    title: str  # the navigation label
    heading: str  # the page's own title (h1), which tests look for
    icon: str
    section: str
    url_path: str  # "" for the default page

    @property
    def slug(self) -> str:
        return self.url_path or "overview"


PAGES: tuple[PageEntry, ...] = (
    PageEntry("pages/overview.py", "Overview", "One Halton: overview", ":material/dashboard:", "One Halton", ""),
    PageEntry(
        "pages/starting_well.py",
        "Starting Well",
        "Starting Well",
        ":material/child_care:",
        "Life course",
        "starting_well",
    ),
    PageEntry(
        "pages/living_well.py", "Living Well", "Living Well", ":material/favorite:", "Life course", "living_well"
    ),
    PageEntry("pages/ageing_well.py", "Ageing Well", "Ageing Well", ":material/elderly:", "Life course", "ageing_well"),
    PageEntry(
        "pages/wider_determinants.py",
        "Wider Determinants",
        "Wider Determinants",
        ":material/home_work:",
        "Life course",
        "wider_determinants",
    ),
    PageEntry("pages/budget.py", "Budget", "Budget", ":material/payments:", "Partnership", "budget"),
    PageEntry("pages/ward_profile.py", "Ward profile", "Ward profile", ":material/map:", "Partnership", "ward_profile"),
    PageEntry(
        "pages/ward_need.py",
        "Where need is greatest",
        "Where need is greatest",
        ":material/travel_explore:",
        "Partnership",
        "ward_need",
    ),
    PageEntry("pages/about.py", "About the data", "About the data", ":material/info:", "Partnership", "about"),
)


def by_slug(slug: str) -> PageEntry:
    return next(p for p in PAGES if p.slug == slug)

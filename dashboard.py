"""One Halton KPI dashboard: the entrypoint. Sets up the page, the navigation and the shared filters, then runs
the chosen page (or, with `?present=1`, its presentation screen), all on one version of the data
(onehalton/app.py)."""

from onehalton import app

with app.entered():
    app.run(app.boot())

"""One Halton KPI dashboard: the entrypoint. Sets up the page, the navigation and the shared filters, then runs
the chosen page (onehalton/app.py)."""

from onehalton import app

chosen = app.boot()
with app.entered():
    chosen.run()

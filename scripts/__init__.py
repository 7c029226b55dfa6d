"""Developer scripts: `python -m scripts.bench` and friends."""

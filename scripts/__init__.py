"""One-off builders of what ships in assets/, run from the repository root: python -m scripts.NAME."""

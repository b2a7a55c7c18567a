"""A run written out as code: a standalone script or notebook in plain PyTorch that replays it."""

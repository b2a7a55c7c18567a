"""Benchmarks, run on demand from the repository's root as modules (`python -m bench.train_speed`);
they print figures. The test suite times nothing; what tests and benchmarks share is in harness/."""

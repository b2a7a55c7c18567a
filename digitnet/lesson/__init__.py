"""The lesson engine: the data, the models, losses and optimisers, the six steps
(steps.py) and the loop that repeats them (run.py), step mode, and the experiments."""

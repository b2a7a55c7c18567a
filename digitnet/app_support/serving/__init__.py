"""Serving many learners from one process or several: the training queue, the warm-up, replicas."""

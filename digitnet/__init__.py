"""digitnet: the engine behind the lab. It imports no Streamlit, so it works the same from a
notebook, a terminal or the app.

- lesson/: the lesson itself: the data, the two models, losses, optimisers, the six steps and
  the one training loop with its hooks, step mode, fine-tuning, and the experiments. No
  plotting, no app support.
- drawing/: a drawing or photo turned into a digit, the model's answer, and why; the default
  models and how the shipped nets are built.
- files/: MNIST's files, the model files (safetensors, never pickle), a learner's digits.
- export/: a run as a standalone script or notebook.
- app_support/: what only the app needs, in folders by kind: the session, views, serving, the
  class board.
- arguments.py and cli.py: `python -m digitnet train|predict`; errors.py: messages meant for the user.
"""

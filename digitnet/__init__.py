"""digitnet: the engine behind the lab. It imports no Streamlit, so it works the same from a
notebook, a terminal or the app.

- lesson/: the lesson itself: the data, the two models, losses, optimisers, the six steps
  and the training loop, step mode, and the experiments. No plotting, no app support.
- drawing/: a drawing or photo turned into a digit, the model's answer, and why.
- files/: MNIST's files and the model files (safetensors, never pickle).
- app_support/: what only the app needs: figures, chart specs, the code view, the
  training queue, a session's lab, the warm-up.
- cli.py: `python -m digitnet train|predict`; errors.py: messages meant for the user.
"""

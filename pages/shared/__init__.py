"""What several pages share: the session's state, the server process's resources, the settings widgets,
the one way to run work, the models that answer, the canvas."""

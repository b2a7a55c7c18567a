"""digitnet: the engine behind the lab. Data, models, training, preprocessing, model files.

It imports no Streamlit, so it works the same from a notebook, a terminal or the app.
"""

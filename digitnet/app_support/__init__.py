"""What only the app needs, with no Streamlit in it: figures and chart specs, the code view,
the training queue, a session's lab, the warm-up and the app's wording."""

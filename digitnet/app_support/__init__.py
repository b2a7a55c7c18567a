"""What only the app needs, with no Streamlit in it: figures and chart specs, the code view,
the training queue, a session's lab, the warm-up, the app's wording, and the class board (its
storage, the outbox that writes to it, the teacher's key)."""

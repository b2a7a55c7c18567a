"""What pages show, made without Streamlit: figures, chart specs, the code view, the digit grid, the wording."""

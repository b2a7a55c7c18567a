"""What only the app needs, with no Streamlit in it, in folders by kind: session/ (a learner's
Lab, their own digits, fine-tuning, the models that answer), views/ (figures, chart specs, the
code view, the app's wording), serving/ (the training queue, the warm-up, which replica held a
session) and storage/ (its storage, the outbox that writes to it, the teacher's key)."""

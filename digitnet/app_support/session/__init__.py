"""A learner's session: the Lab, their own digits, fine-tuning a copy of a model on them, the models that answer."""

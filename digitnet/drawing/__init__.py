"""A drawing or a photo turned into what the model saw in training, the model's answer,
why it answered so, and the default models that answer before a learner has trained one."""

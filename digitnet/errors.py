"""Errors that carry a message meant for the user, not a traceback."""


class DigitnetError(Exception):
    """Base class: the message says what went wrong and what to do about it."""


class DataError(DigitnetError):
    """MNIST could not be read: a file is missing, damaged or not MNIST."""


class SettingsError(DigitnetError):
    """A training setting is out of range."""


class Diverged(DigitnetError):
    """A batch's loss passed run.EXPLODED, or became NaN: the steps overshot."""


class ModelFileError(DigitnetError):
    """A model file is not a digitnet model, or does not match its own description."""


class ImageError(DigitnetError):
    """An image cannot be turned into a digit."""


class EmptyImage(ImageError):
    """The image holds no ink: nothing to classify."""


class ExportError(DigitnetError):
    """A run that exported code cannot replay, or a file name that is neither a script nor a notebook."""


class DigitsFileError(DigitnetError):
    """A file of a learner's own digits is not one, or does not match its own description."""

"""Info Product Portal: the back office of a business selling coaching programs."""

__version__ = "0.1.0"

"""Patient-experience survey service: questionnaires out, anonymous answers in."""

__version__ = "0.1.0"
__all__ = ["__version__"]

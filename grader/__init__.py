"""grader: justified, verifiable pre-scores for certification juries; the jury decides."""

__version__ = "0.1.0"

"""Evidence per criterion: the passages of a submission that bear on it, with pages."""

from grader.evidence.passages import flagged_texts, is_flagged, split_passages
from grader.evidence.retrieve import Index, estimate_tokens, retrieve

__all__ = ["Index", "estimate_tokens", "flagged_texts", "is_flagged", "retrieve",
           "split_passages"]

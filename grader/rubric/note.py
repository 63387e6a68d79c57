"""The note of a written épreuve from the levels its criteria received."""

from __future__ import annotations

from collections.abc import Mapping

from grader.rubric.models import Rubric


class MissingLevels(ValueError):
    """Some criteria have no level yet: the note cannot be computed (the épreuve is incomplete)."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(", ".join(missing))


def epreuve_note(rubric: Rubric, levels: Mapping[str, int], scale: float = 20) -> float:
    """Weighted mean of the levels, mapped linearly from the rubric's scale onto 0..`scale`.

    Every criterion counts, written and oral alike; a missing one raises `MissingLevels`
    rather than counting as zero.
    """
    missing = [c.id for c in rubric.criteria if c.id not in levels]
    if missing:
        raise MissingLevels(missing)
    low, high = rubric.scale.lowest, rubric.scale.highest
    for crit in rubric.criteria:
        if levels[crit.id] not in rubric.scale.values:
            raise ValueError(f"{crit.id}: level {levels[crit.id]} is not on the scale")
    total = sum(c.weight for c in rubric.criteria)
    share = sum(c.weight * (levels[c.id] - low) / (high - low) for c in rubric.criteria) / total
    return round(scale * share, 2)

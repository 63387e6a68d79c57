"""Who may see and do what. A juror sees only the submissions they are assigned to — any other
key answers 404, exactly like a key that does not exist, so guessing URLs reveals nothing."""

from __future__ import annotations

from fastapi import HTTPException, Request

from grader.review.errors import NotFoundError
from grader.review.state import SubmissionState
from grader.review.workflow import Workflow
from grader.web.users import User


def assigned(state: SubmissionState, user: User) -> bool:
    return any(j.casefold() == user.name.casefold() for j in state.jurors)


def juror_name(state: SubmissionState, user: User) -> str | None:
    """The user's name as the panel spells it, if they sit on it."""
    return next((j for j in state.jurors if j.casefold() == user.name.casefold()), None)


def visible_state(request: Request, key: str, user: User) -> SubmissionState:
    """The submission if `user` may see it (a coordinator sees all); 404 otherwise."""
    flow: Workflow = request.app.state.flow
    try:
        state = flow.state(key)
    except NotFoundError:
        raise HTTPException(404) from None
    if not (user.coordinator or assigned(state, user)):
        raise HTTPException(404)
    return state


def my_keys(flow: Workflow, user: User) -> list[SubmissionState]:
    states = [flow.state(k) for k in flow.keys()]
    return [s for s in states if user.coordinator or assigned(s, user)]


__all__ = ["assigned", "juror_name", "my_keys", "visible_state"]

"""The root of grader's typed errors; the CLI turns them into one line and exit code 2."""


class GraderError(Exception):
    """An error the user can act on: the message says what, where, and what to do."""

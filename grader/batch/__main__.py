"""`python -m grader.batch DIR --deliverable ID --out OUT ...`: the batch command on its own."""

import sys

import typer

from grader.batch.cli import batch


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.command()(batch)
    from grader.leave import leave

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit as done:  # typer always ends this way: skip the teardown
        leave(done.code)


if __name__ == "__main__":
    main()

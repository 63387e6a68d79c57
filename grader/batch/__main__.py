"""`python -m grader.batch DIR --deliverable ID --out OUT ...`: the batch command on its own."""

import typer

from grader.batch.cli import batch


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode=None)
    app.command()(batch)
    from grader.leave import run_command

    run_command(app)


if __name__ == "__main__":
    main()

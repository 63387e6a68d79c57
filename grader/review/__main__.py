"""`python -m grader.review review SHEET --juror NAME` (and audit, report, certify)."""

import sys

from grader.review.cli import standalone

try:
    standalone()(prog_name="grader")
except KeyboardInterrupt:
    sys.exit(130)

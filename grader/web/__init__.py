"""The jury's review pages: `grader serve` puts the review library behind a browser.

Every action goes through `grader.review.workflow.Workflow`, so the web pages keep the same
append-only, hash-chained log as the command line. FastAPI and friends are imported only here.
"""

"""Evals: how far the drafts agree with juries, on gold sets, on public data, under attack.

- `gold` reads the gold sets' manifests; `runner` drafts them (cached); `metrics` measures
  agreement (sklearn, scipy, krippendorff; bootstrap intervals); `report`, `summary`, `render`
  and `plots` write report.json / report.md / report.html and the figures; `evaluate` ties them.
- `probes` and `perturb`: padding, hidden instructions, FR/EN, PDF/DOCX, repeat, quotes.
- `fit` and `calibrate`: the offline backend calibrated on confirmed levels (held out).
- `asap`, `features`, `asap_run`, `asap_render`: ASAP-AES, read from the user's data folder.

Nothing here is imported by `grader --help`: numpy, scikit-learn and matplotlib load on use.
"""

"""Merge the jurors' score files into one manifest per set: evals/gold/<set>/manifest.csv.

Each juror scored the documents on their own, in files of their own; this script only gathers
them (sorted, deduplicated, checked for one row per document, criterion and juror).
Usage: python evals/gold/merge_manifests.py JUROR_CSV [JUROR_CSV ...]
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

GOLD = Path(__file__).resolve().parent
FIELDS = ["file", "deliverable", "candidate", "variant", "criterion", "juror", "level",
          "rationale"]


def main(paths: list[str]) -> None:
    rows: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                deliverable = row["deliverable"]
                row["file"] = f"../docs/{deliverable}/{Path(row['file']).name}"
                # One candidate per family: a variant is the same candidate's work, modified
                # (calibration splits by candidate, so a family never straddles train and test).
                prefix, _, variant = Path(row["file"]).stem.rpartition("--")
                row["candidate"] = f"{deliverable}--{prefix or 'base'}"
                row["variant"] = variant
                key = (deliverable, row["file"], row["criterion"], row["juror"])
                if key in rows:
                    raise SystemExit(f"{path}: duplicate score for {key}")
                rows[key] = {k: row[k].strip() for k in FIELDS}
    by_set: dict[str, list[dict[str, str]]] = defaultdict(list)
    for key in sorted(rows):
        by_set[key[0]].append(rows[key])
    for deliverable, items in by_set.items():
        out = GOLD / deliverable / "manifest.csv"
        out.parent.mkdir(exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(items)
        print(f"{out}: {len(items)} rows")


if __name__ == "__main__":
    main(sys.argv[1:])

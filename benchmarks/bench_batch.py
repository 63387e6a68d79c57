#!/usr/bin/env python3
"""Cohort batch benchmarks (issue #8): a promotion of 40 mémoires, offline and against a model.

    python benchmarks/bench_batch.py                    # both (first run builds the PDFs, ~2 min)
    python benchmarks/bench_batch.py --only heuristic   # 40 mémoires, heuristic, 2 cores
    python benchmarks/bench_batch.py --only llm         # 40 mémoires, llm, 1.5 s a call, 16 workers
    python benchmarks/bench_batch.py --json

Inputs: 40 distinct 45–47-page PDF mémoires built by samples/build.py from samples/src/memoire.md,
each with its own candidate name and a mark of its own in every paragraph (so no two share a
hash or a request). They are cached in --cache-dir (default: $TMPDIR/grader-bench-batch).

Both run `python -m grader.batch` in a subprocess, as a coordinator would (interpreter start
and summary included), on 2 cores (the process is pinned to two when the machine has more).
heuristic: the offline backend, `--workers 2` — wall time, and where the workers' time went
(ingest, drafting — evidence retrieval included —, writing the sheets).
llm: the llm backend against the local OpenAI-compatible server (in this process) answering
each call after 1.5 s, `--workers 16` — wall time over the ideal (calls × 1.5 s / 16), where the
rest went (before the first call, after the last answer), tokens sent per mémoire, and their
ratio to sending the whole document once per criterion.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "samples")]
NAMES = ["Alix Bernard", "Basile Caron", "Chloé Dumas", "Dylan Etienne", "Emma Faure",
         "Félix Garnier", "Gaëlle Henry", "Hugo Imbert", "Inès Joly", "Jules Klein"]


def build_one(i: int, folder: str) -> str:
    import build  # samples/build.py

    target = Path(folder) / f"memoire-{i:02d}.pdf"
    if target.exists():
        return target.name
    text = (REPO / "samples" / "src" / "memoire.md").read_text(encoding="utf-8")
    text = text.replace("Camille Rouvière", f"{NAMES[i % len(NAMES)]} {i}")
    _, front, rest = text.split("---\n", 2)  # the YAML front matter stays as it is
    mark = f"(dossier n° {i + 1})"
    body = ["---", *front.splitlines(), "---"] + [
        f"{line} {mark}" if line[:1].isalpha() else line for line in rest.splitlines()]
    extra = ["", "# Annexe complémentaire", ""] + [
        f"Complément {k + 1} du dossier {i + 1} : précisions sur la méthode et les résultats, "
        f"avec un rappel des {12 + k} entretiens et des {200 + 10 * i} réponses exploitées."
        for k in range(i % 4 * 6)]
    build.build_pdf(build.parse("\n".join(body + extra) + "\n"), target)
    return target.name


def cohort(n: int, cache: Path) -> Path:
    folder = cache / f"memoires-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [i for i in range(n) if not (folder / f"memoire-{i:02d}.pdf").exists()]
    if missing:
        print(f"building {len(missing)} mémoires in {folder} …", file=sys.stderr)
        with ProcessPoolExecutor(os.cpu_count() or 2) as pool:
            list(pool.map(build_one, missing, [str(folder)] * len(missing)))
    return folder


def run_cli(folder: Path, out: Path, *args: str, env: dict[str, str] | None = None
            ) -> tuple[float, Any]:
    """`python -m grader.batch` as a coordinator runs it; wall time and the final state."""
    from grader.batch.state import State

    command = [sys.executable, "-m", "grader.batch", str(folder), "--deliverable", "memoire",
               "--out", str(out), "--no-progress", *args]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    state = State(out)
    rows = state.rows()
    state.close()
    return wall, rows


def bench_heuristic(folder: Path, out: Path) -> dict[str, Any]:
    wall, rows = run_cli(folder, out, "--workers", "2")
    done = [r for r in rows if r.status == "done"]
    ingest = sum(r.ingest_s or 0 for r in done)
    draft = sum(r.draft_s or 0 for r in done)
    write = sum(r.write_s or 0 for r in done)
    busy = ingest + draft + write
    return {"submissions": len(done), "failed": len(rows) - len(done), "wall_s": round(wall, 2),
            "pages": _pages(out), "worker_s": round(busy, 2),
            "share_ingest": round(ingest / busy, 3), "share_drafting": round(draft / busy, 3),
            "share_writing": round(write / busy, 3), "goal_s": 60, "met": wall < 60}


def bench_llm(folder: Path, out: Path, workers: int, latency: float) -> dict[str, Any]:
    from grader.ingest import read
    from grader.rubric.load import load_rubric
    from tests.llm.openai_server import OpenAIServer, estimate_tokens

    with OpenAIServer(latency=latency) as srv:
        srv.simulate_cache = False  # quadratic, and not measured here
        env = {"OPENAI_BASE_URL": srv.base_url, "OPENAI_API_KEY": "bench",
               "GRADER_MODEL": "bench-model"}
        mono = time.monotonic()
        wall, rows = run_cli(folder, out, "--backend", "llm", "--workers", str(workers),
                             "--processes", "2", env=env)
        end = time.monotonic()
        log = srv.chat_requests
        peak = srv.peak_in_flight
    calls = len(log)
    ideal = calls * latency / workers
    first, last = min(r.time for r in log), max(r.done or r.time for r in log)
    n = sum(r.status == "done" for r in rows)
    sent = sum(r.usage.get("prompt_tokens", 0) for r in log)
    criteria = len(load_rubric("memoire").draft_criteria)
    whole = sum(estimate_tokens(read(p).text) for p in sorted(folder.glob("*.pdf")))
    return {"submissions": n, "failed": len(rows) - n, "calls": calls,
            "latency_s": latency, "workers": workers, "peak_in_flight": peak,
            "wall_s": round(wall, 2), "ideal_s": round(ideal, 2),
            "ratio": round(wall / ideal, 3), "drafting_span_s": round(last - first, 2),
            "ratio_drafting_span": round((last - first) / ideal, 3),
            "before_first_call_s": round(first - mono, 2),
            "after_last_answer_s": round(end - last, 2),
            "tokens_sent_per_memoire": round(sent / max(n, 1)),
            "whole_doc_tokens_per_memoire": round(whole / max(n, 1)),
            "ratio_to_whole_doc_per_criterion": round(sent / (whole * criteria), 3),
            "goal_ratio": 1.15, "met": wall / ideal <= 1.15}


def _pages(out: Path) -> list[int]:
    pages = [json.loads(p.read_text("utf-8"))["submission"]["pages"]
             for p in out.glob("*.sheet.json")]
    return [min(pages), max(pages)] if pages else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["heuristic", "llm"])
    parser.add_argument("-n", type=int, default=40)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--latency", type=float, default=1.5)
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "grader-bench-batch")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 2:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])  # "on 2 cores"
    folder = cohort(args.n, args.cache_dir)
    results: dict[str, Any] = {"cores": len(os.sched_getaffinity(0))
                               if hasattr(os, "sched_getaffinity") else os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "heuristic"):
            results["heuristic"] = bench_heuristic(folder, Path(tmp) / "heuristic")
        if args.only in (None, "llm"):
            results["llm"] = bench_llm(folder, Path(tmp) / "llm", args.workers, args.latency)
    print(json.dumps(results, indent=2) if args.json else _table(results))
    return 0


def _table(results: dict[str, Any]) -> str:
    lines = [f"cores: {results['cores']}"]
    for name in ("heuristic", "llm"):
        if name in results:
            lines.append(f"{name}:")
            lines += [f"  {k}: {v}" for k, v in results[name].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

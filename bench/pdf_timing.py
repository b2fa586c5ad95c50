"""The coverage PDF's time, alone and in parts: `python bench/pdf_timing.py [--profile N]`.

Times the report of the benchmark's 100-item learner (one unit, or the whole portfolio with
--whole) on the database DATABASE_URL names, after one untimed warm-up run in the same process
(fonts found, stylesheet parsed: what a running server has already done). Prints each part's
wall and CPU seconds and the number of pages; --profile N prints the N costliest functions of
one more run under cProfile. The Python function calls of one run are counted too: unlike
seconds on a shared machine, that count does not move with the load, so it shows whether a
change to the report's layout helped. Creates the 100-item learner, with typed accounts, if missing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nvq_x .venv/bin/python bench/pdf_timing.py
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time

from pages import L3_UNIT, LARGE, prepare_large_portfolio  # sets Django up

from assessments import reports
from criteria.models import Unit
from people.models import Enrolment


def _clock():
    return time.perf_counter(), time.process_time()


def one_run(enrolment, unit):
    """Seconds (wall, CPU) of each part of one report, and its pages and bytes."""
    from weasyprint import CSS, HTML

    parts = {}
    start = _clock()
    report = reports.coverage_report(enrolment=enrolment, unit=unit)
    gathered = _clock()
    html = reports.render_coverage_html(report)
    templated = _clock()
    document = HTML(
        string=html, base_url=str(reports.STYLESHEET.parent), url_fetcher=reports._refuse_fetch
    ).render(stylesheets=[CSS(string=reports.STYLESHEET.read_text(encoding="utf-8"))])
    laid_out = _clock()
    pdf = document.write_pdf(pdf_tags=True)
    written = _clock()
    marks = [
        ("gathering", start, gathered),
        ("template", gathered, templated),
        ("layout", templated, laid_out),
        ("writing", laid_out, written),
        ("total", start, written),
    ]
    for name, (wall_a, cpu_a), (wall_b, cpu_b) in marks:
        parts[name] = {"wall": round(wall_b - wall_a, 3), "cpu": round(cpu_b - cpu_a, 3)}
    return {
        "parts": parts,
        "pages": len(document.pages),
        "bytes": len(pdf),
        "html_bytes": len(html),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--whole", action="store_true", help="Every unit, not one.")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs (median shown).")
    parser.add_argument("--profile", type=int, default=0, help="Show the N costliest functions.")
    args = parser.parse_args()

    prepare_large_portfolio()
    enrolment = Enrolment.objects.select_related("learner", "qualification", "assessor", "iqa").get(
        learner__username=LARGE
    )
    unit = None if args.whole else Unit.objects.get(slug=L3_UNIT)

    one_run(enrolment, unit)  # warm-up: fonts, WeasyPrint's own stylesheet, templates
    runs = [one_run(enrolment, unit) for _ in range(args.runs)]
    counting = cProfile.Profile()
    counting.enable()
    one_run(enrolment, unit)
    counting.disable()
    calls = pstats.Stats(counting).total_calls
    median = {
        name: {
            kind: statistics.median(run["parts"][name][kind] for run in runs)
            for kind in ("wall", "cpu")
        }
        for name in runs[0]["parts"]
    }
    print(
        json.dumps(
            {
                "report": "whole portfolio" if args.whole else "one unit",
                "items": enrolment.evidence_items.count(),
                "pages": runs[-1]["pages"],
                "pdf_bytes": runs[-1]["bytes"],
                "html_bytes": runs[-1]["html_bytes"],
                "median_of": len(runs),
                "python_calls": calls,
                "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
                "seconds": median,
            },
            indent=1,
        )
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        one_run(enrolment, unit)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()

"""Scores the criteria suggester: `.venv/bin/python bench/suggestions.py [--split dev|heldout]`.

Precision@3 (right codes among the top three, out of min(3, true codes)) and recall@5 over the
labelled set tests/data/suggestion_labels.jsonl for unit A/601/2550, on the whole set and on
its two halves: 'dev' (ids not divisible by 3), which the cue words, synonyms and weights were
tuned on, and 'heldout' (every third id), which was not looked at while tuning. Then the time
to suggest for a generated 5-page PDF: reading its words (pypdfium2) and ranking, median of 20
runs after one warm-up, and the model's one-off fitting time. Needs no database: the criteria
come from fixtures/units.json as the catalogue fixture loads them.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from suggestions.engine import Index, index_for  # noqa: E402
from suggestions.extract import extract_text  # noqa: E402
from suggestions.fixture_targets import fixture_targets  # noqa: E402
from suggestions.scoring import labelled_set, precision_recall  # noqa: E402

UNIT = "A/601/2550"


def five_page_pdf():
    """A PDF of five A4 pages of learner accounts (the labelled texts, repeated), by WeasyPrint."""
    from weasyprint import HTML

    texts = [row["text"] for row in labelled_set()]
    paragraphs = "".join(f"<p>{text}</p>" for text in (texts * 2)[:52])
    page = "<style>@page{size:A4;margin:2cm} p{font-size:11pt}</style>"
    pdf = HTML(string=page + paragraphs).write_pdf()
    return pdf


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["dev", "heldout"], default=None)
    parser.add_argument("--misses", action="store_true", help="print the items it gets wrong")
    args = parser.parse_args()

    import sklearn.feature_extraction.text  # noqa: F401  (imported before the fitting is timed)

    targets = fixture_targets(UNIT)
    started = time.perf_counter()
    Index(targets)
    fit_seconds = time.perf_counter() - started
    index = index_for(targets)
    splits = [args.split] if args.split else [None, "dev", "heldout"]
    for split in splits:
        rows = labelled_set(split=split)
        p3, r5 = precision_recall(index, rows)
        print(f"{split or 'all':8} items={len(rows):3}  precision@3={p3:.3f}  recall@5={r5:.3f}")
        if args.misses:
            for row in rows:
                codes = [s.code for s in index.suggest(row["text"], limit=5)]
                truth = set(row["criteria"])
                if len(truth & set(codes[:3])) < min(3, len(truth)):
                    print(f"   #{row['id']:>2} true={sorted(truth)} got={codes}")

    pdf = five_page_pdf()
    import pypdfium2

    pages = len(pypdfium2.PdfDocument(pdf))
    timings, rank_timings, cpu_timings = [], [], []
    for run in range(21):
        t0, c0 = time.perf_counter(), time.process_time()
        text = extract_text(io.BytesIO(pdf), "five-pages.pdf")
        t1 = time.perf_counter()
        index.suggest(text, limit=5)
        t2, c2 = time.perf_counter(), time.process_time()
        if run:  # the first run warms up
            timings.append(t2 - t0)
            rank_timings.append(t2 - t1)
            cpu_timings.append(c2 - c0)
    print(
        f"5-page PDF ({pages} pages, {len(pdf) // 1024} KB, {len(text.split())} words): "
        f"read+suggest median {statistics.median(timings) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms, CPU median "
        f"{statistics.median(cpu_timings) * 1000:.0f} ms; suggest alone median "
        f"{statistics.median(rank_timings) * 1000:.0f} ms; fitting the model once "
        f"{fit_seconds * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

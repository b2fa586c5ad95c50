"""Precision@3 and recall@5 of the suggester over a labelled set (tests/data)."""

import json
from pathlib import Path

LABELS = Path(__file__).resolve().parent.parent / "tests" / "data" / "suggestion_labels.jsonl"


def labelled_set(path=LABELS, split=None):
    """The labelled items; split 'dev' (tuned on) or 'heldout' (every third, never tuned on)."""
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if split == "dev":
        return [row for row in rows if row["id"] % 3]
    if split == "heldout":
        return [row for row in rows if not row["id"] % 3]
    return rows


def precision_recall(index, rows):
    """(mean precision@3, mean recall@5): precision@3 counts right codes in the top three out
    of min(3, number of true codes); recall@5 is the share of true codes in the top five."""
    precisions, recalls = [], []
    for row in rows:
        truth = set(row["criteria"])
        codes = [s.code for s in index.suggest(row["text"], limit=5)]
        precisions.append(len(truth & set(codes[:3])) / min(3, len(truth)))
        recalls.append(len(truth & set(codes[:5])) / len(truth))
    return sum(precisions) / len(precisions), sum(recalls) / len(recalls)

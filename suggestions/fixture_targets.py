"""Targets for a unit straight from the catalogue fixture, with no database: for the benchmark
and quick experiments. Keys are the fixture's natural keys, not database ids."""

import json
from pathlib import Path

from .engine import targets_from_rows

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "units.json"


def fixture_targets(reference, path=FIXTURE):
    rows = json.loads(Path(path).read_text())
    slug = next(
        r["fields"]["slug"] if "slug" in r["fields"] else r["pk"]
        for r in rows
        if r["model"] == "criteria.unit" and r["fields"].get("reference") == reference
    )
    outcomes = {
        r["fields"]["number"]: r["fields"]["text"]
        for r in rows
        if r["model"] == "criteria.learningoutcome" and r["fields"]["unit"] == [slug]
    }
    parts = {}
    for r in rows:
        if r["model"] == "criteria.criterionpart" and r["fields"]["criterion"][0] == slug:
            code = r["fields"]["criterion"][1]
            parts.setdefault(code, []).append(
                (f"{code}{r['fields']['letter']}", r["fields"]["letter"], r["fields"]["text"])
            )
    criteria = []
    for r in rows:
        if r["model"] == "criteria.assessmentcriterion" and r["fields"]["outcome"][0] == slug:
            number = r["fields"]["outcome"][1]
            code = f"{number}.{r['fields']['number']}"
            criteria.append(
                (reference, code, code, r["fields"]["text"], outcomes[number], parts.get(code, []))
            )
    return targets_from_rows(criteria)

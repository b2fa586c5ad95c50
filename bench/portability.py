"""Peak memory and time of exporting and importing a large portfolio, against `zip -r` of the
same files: `python bench/portability.py [--mb 1024] [--files 8] [--work DIR]`.

Builds, in DIR (default /tmp/nvq-bench-portability), a SQLite installation whose one learner
has FILES evidence items of MB/FILES megabytes of random bytes each (written to storage a
megabyte at a time, never whole in memory), each submitted once. Then, each in its own process
timed by /usr/bin/time (elapsed seconds, peak resident set size from getrusage):

- idle: Django set up and nothing done, the floor every manage.py command stands on;
- export: `manage.py export_portfolio LEARNER -o DIR/portfolio.zip --no-report` (the coverage
  PDF is left out: it is the same size whatever the files weigh);
- import: `manage.py import_portfolio DIR/portfolio.zip` into a second, empty installation
  (another SQLite database and media root) where the assessor and IQA exist;
- zip: `zip -r -q DIR/plain.zip media/evidence`, the same files with Info-ZIP.

Prints the figures as a Markdown table for bench/RESULTS.md.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LEARNER = "porter"
CHUNK = 1024 * 1024


def environment(work, name):
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{work / (name + '.sqlite3')}"
    env["MEDIA_ROOT"] = str(work / f"media-{name}")
    env["DJANGO_SETTINGS_MODULE"] = "nvq_portfolio.settings"
    return env


def timed(command, env=None, cwd=ROOT):
    """(seconds, peak RSS in MB) of `command`, measured by /usr/bin/time."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %M", *command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("TIME "))
    _, seconds, kilobytes = line.split()
    return float(seconds), int(kilobytes) / 1024


def manage(*args):
    return [PYTHON, str(ROOT / "manage.py"), *args]


def seed(mb, files):
    """Run inside the export installation: people, the catalogue and the big portfolio."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.utils import timezone

    from criteria.models import Qualification, Unit
    from evidence.models import EvidenceFile, EvidenceItem, EvidenceMapping, EvidenceVersion
    from people.models import Enrolment, User

    call_command("loaddata", "units", verbosity=0)
    people = {}
    for username in (LEARNER, "assessor", "iqa"):
        people[username] = User.objects.create_user(
            username, f"{username}@example.org", first_name=username.capitalize()
        )
    unit = Unit.objects.get(slug="a-601-2550")
    enrolment = Enrolment.objects.create(
        learner=people[LEARNER],
        assessor=people["assessor"],
        iqa=people["iqa"],
        qualification=Qualification.objects.get(code="ocr-l3-nvq-diploma-business-admin"),
        start_date="2026-09-01",
        planned_end_date="2027-08-31",
    )
    enrolment.enrolled_units.create(unit=unit)
    criterion = unit.outcomes.first().criteria.first()
    size = mb * CHUNK // files
    for n in range(1, files + 1):
        item = EvidenceItem.objects.create(
            enrolment=enrolment,
            title=f"Recording of team briefing {n}",
            activity_date="2026-10-01",
            evidence_type="communication_record",
            assessment_method="work_product",
            status="submitted",
            submitted_at=timezone.now(),
            created_by=people[LEARNER],
        )
        EvidenceMapping.objects.create(item=item, criterion=criterion, added_by=people[LEARNER])
        name = f"evidence/{enrolment.pk}/briefing-{n}.mp4"
        path = Path(default_storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with path.open("wb") as out:
            for _ in range(size // CHUNK):
                block = os.urandom(CHUNK)
                digest.update(block)
                out.write(block)
        evidence_file = EvidenceFile.objects.create(
            item=item,
            file=name,
            original_name=f"briefing-{n}.mp4",
            size=path.stat().st_size,
            sha256=digest.hexdigest(),
            content_type="video/mp4",
            uploaded_by=people[LEARNER],
        )
        version = EvidenceVersion.objects.create(
            item=item,
            number=1,
            title=item.title,
            activity_date=item.activity_date,
            evidence_type=item.evidence_type,
            assessment_method=item.assessment_method,
            mappings=[{"code": criterion.code, "text": criterion.text, "note": ""}],
            declaration="This is my own work.",
            declared_by=people[LEARNER],
            declared_at=timezone.now(),
        )
        version.files.add(evidence_file)


def prepare_import():
    """Run inside the import installation: the assessor and IQA the import maps by email."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from people.models import User

    for username in ("assessor", "iqa"):
        User.objects.create_user(username, f"{username}@example.org")


def idle():
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--work", type=Path, default=Path("/tmp/nvq-bench-portability"))
    parser.add_argument("--step", choices=["seed", "prepare-import", "idle"])
    options = parser.parse_args()
    if options.step == "seed":
        return seed(options.mb, options.files)
    if options.step == "prepare-import":
        return prepare_import()
    if options.step == "idle":
        return idle()

    work = options.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    there, here = environment(work, "export"), environment(work, "import")
    me = [PYTHON, str(Path(__file__).resolve())]
    for env in (there, here):
        subprocess.run(manage("migrate", "--verbosity", "0"), env=env, cwd=ROOT, check=True)
    step = ["--mb", str(options.mb), "--files", str(options.files)]
    subprocess.run([*me, "--step", "seed", *step], env=there, cwd=ROOT, check=True)
    subprocess.run([*me, "--step", "prepare-import"], env=here, cwd=ROOT, check=True)

    archive = work / "portfolio.zip"
    rows = {"idle": timed([*me, "--step", "idle"], env=there)}
    rows["export"] = timed(
        manage("export_portfolio", LEARNER, "-o", str(archive), "--no-report"), env=there
    )
    rows["import"] = timed(manage("import_portfolio", str(archive)), env=here)
    rows["zip -r"] = timed(
        ["zip", "-r", "-q", str(work / "plain.zip"), "evidence"], cwd=work / "media-export"
    )
    sizes = {
        "files": sum(p.stat().st_size for p in (work / "media-export").rglob("*") if p.is_file()),
        "portfolio.zip": archive.stat().st_size,
        "plain.zip": (work / "plain.zip").stat().st_size,
    }
    print(json.dumps({"rows": rows, "bytes": sizes}, indent=2))
    print(f"\n{options.files} files, {sizes['files'] / CHUNK:.0f} MB in all\n")
    print("| run | seconds | peak RSS (MB) |\n| --- | ---: | ---: |")
    for name, (seconds, peak) in rows.items():
        print(f"| {name} | {seconds:.1f} | {peak:.0f} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

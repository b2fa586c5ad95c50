"""Exporting a learner's portfolio as a ZIP and importing one into this installation.

An import is all or nothing: it runs in one transaction, and every file it wrote to storage is
removed again when anything is refused or fails (and after a dry run). It refuses a tampered
archive, naming each file whose bytes do not match the manifest's SHA-256 and each sign-off
whose seal no longer covers what the archive holds.

People are matched by email. A learner with no account here gets one, signed out until they
set a password through "Forgotten your password?". The enrolment's assessor and internal quality
assurer must already have accounts (a centre decides who assesses its learners): the import is
refused naming each one missing. Anyone else the history names (a former assessor, a colleague
who decided a mapping) and who has no account here gets an inactive account that cannot sign in,
so that the record still says who did what.

Seals: a sign-off's manifest names items by the exporting installation's ids. The import first
checks the archive's seal (its digest matches what it covers), then translates what it covers
into this installation's ids and checks that it matches, field by field, the portfolio as
imported; the sign-off is stored with the translated record and its new digest, so
`sign_off_verify` finds it intact here. IQA reviews are carried in the archive for reading but
not imported: they are the exporting centre's quality records, bound to its sampling plans.
"""

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from assessments.models import (
    Feedback,
    Judgement,
    JudgementEvidence,
    JudgementHistory,
    Target,
    TargetReopening,
    UnitSignOff,
)
from assessments.signoff import (
    _manifest_differences,
    _version_content_digest,
    manifest_digest,
    sign_off_manifest,
    sign_off_verify,
)
from criteria.models import AssessmentCriterion, CriterionPart, Qualification, Unit
from criteria.services import UnitSpecInvalid, unit_export, unit_import
from evidence.models import EvidenceFile, EvidenceItem, EvidenceMapping, EvidenceVersion
from people.models import Enrolment, EnrolmentUnit, User

from .archive import ExportFailed, write_portfolio_zip
from .manifest import portfolio_manifest

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "portfolio-manifest.schema.json"
MANIFEST_LIMIT = 200 * 1024 * 1024  # bytes of manifest.json an import reads, at most

__all__ = ["ExportFailed", "ImportRefused", "portfolio_export", "portfolio_import"]


# Export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who asked for an export and their role on the enrolment, when not an operator."""

    user: object
    role: str


def audit_extract(enrolment, viewer=None):
    """The learner's audit records (an EQA's: what their grants cover), or None when this
    installation keeps no audit trail."""
    try:
        from audit.selectors import records_for_enrolment, timeline_for
    except ImportError:
        return None
    from .audit_extract import records_as_json

    if viewer is not None:
        records = timeline_for(viewer.user, viewer.role, enrolment, newest_first=False)
    else:
        records = records_for_enrolment(enrolment, newest_first=False)
    return records_as_json(records)


def portfolio_export(
    *,
    learner,
    target,
    enrolments=None,
    only_unit_ids=None,
    viewer=None,
    coverage=True,
    extra=(),
    progress=None,
):
    """Write `learner`'s portfolio (every enrolment, or `enrolments`) as a ZIP to `target`.

    `only_unit_ids` {enrolment pk: unit pks or None} narrows it to a reader's scope. Returns
    the manifest written. Changes nothing, so it takes no lock.
    """
    from assessments import reports

    if enrolments is None:
        enrolments = Enrolment.objects.filter(learner=learner).order_by("created_at", "pk")
    enrolments = list(enrolments.select_related("qualification", "assessor", "iqa", "learner"))
    if progress:
        progress(5, "Reading the portfolio")
    manifest = portfolio_manifest(
        learner=learner,
        enrolments=enrolments,
        only_unit_ids=only_unit_ids,
        viewer=viewer,
        audit=audit_extract,
    )
    pdfs = []
    if coverage:
        for enrolment in enrolments:
            units = (only_unit_ids or {}).get(enrolment.pk)
            report = reports.coverage_report(
                enrolment=enrolment,
                only_unit_ids=units,
                submitted_only=viewer is not None and viewer.role == "eqa",
            )
            pdfs.append(
                (
                    f"coverage/{enrolment.pk}-{enrolment.qualification.code}.pdf",
                    reports.render_coverage_pdf(report),
                )
            )
    write_portfolio_zip(target, manifest, coverage=pdfs, extra=extra, progress=progress)
    return manifest


# Import ------------------------------------------------------------------------------------


class ImportRefused(Exception):
    """The archive cannot be imported; `problems` names each file or record at fault."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class ImportResult:
    learner: str = ""
    dry_run: bool = False
    enrolments: list = field(default_factory=list)
    units_created: list = field(default_factory=list)
    qualifications_created: list = field(default_factory=list)
    people_created: list = field(default_factory=list)
    items: int = 0
    files: int = 0
    bytes: int = 0
    judgements: int = 0
    sign_offs: int = 0

    def lines(self):
        would = "would be " if self.dry_run else ""
        yield f"Learner {self.learner}: {len(self.enrolments)} enrolment(s) {would}imported."
        for what, names in (
            ("Qualifications", self.qualifications_created),
            ("Units", self.units_created),
            ("People", self.people_created),
        ):
            if names:
                yield f"{what} {would}created: {', '.join(names)}."
        yield (
            f"{self.items} evidence item(s), {self.files} file(s) ({self.bytes} bytes), "
            f"{self.judgements} judgement(s), {self.sign_offs} sign-off(s) with verified seals."
        )
        if self.dry_run:
            yield "Dry run: nothing was written."


class _Hashing:
    def __init__(self, stream):
        self.stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def seek(self, offset, whence=0):
        # Django's File.chunks() rewinds before it starts; nothing has been read by then.
        if offset or whence or self.size:
            raise OSError("An archive member is read once, from its start.")
        return 0

    def tell(self):
        return self.size


def manifest_schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def manifest_problems(manifest):
    """Where `manifest` breaks the JSON Schema, each as "manifest.json: where: what"."""
    validator = jsonschema.Draft202012Validator(manifest_schema())
    problems = []
    for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(step) for step in error.absolute_path) or "(top)"
        problems.append(f"manifest.json: {where}: {error.message}")
    return problems


def _read_manifest(zf):
    try:
        info = zf.getinfo("manifest.json")
    except KeyError:
        raise ImportRefused(["The archive has no manifest.json."]) from None
    if info.file_size > MANIFEST_LIMIT:
        raise ImportRefused(["manifest.json is too large to be a portfolio's manifest."])
    try:
        manifest = json.loads(zf.read(info).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRefused([f"manifest.json is not valid JSON ({error})."]) from None
    problems = manifest_problems(manifest)
    if problems:
        raise ImportRefused(problems[:50])
    if not manifest["complete"]:
        raise ImportRefused(
            ["This archive holds only the units its reader could see, so it cannot be imported."]
        )
    return manifest


def portfolio_import(*, archive, dry_run=False):
    """Restore the portfolio in the ZIP at `archive`; ImportRefused names what is wrong."""
    saved = []
    try:
        with zipfile.ZipFile(archive) as zf:
            manifest = _read_manifest(zf)
            with transaction.atomic():
                result = _Restore(zf, manifest, saved).run()
                result.dry_run = dry_run
                if dry_run:
                    transaction.set_rollback(True)
    except zipfile.BadZipFile:
        _remove(saved)
        raise ImportRefused(["The file is not a ZIP archive, or it is damaged."]) from None
    except BaseException:
        _remove(saved)
        raise
    if dry_run:
        _remove(saved)
    return result


def _remove(saved):
    for storage, name in saved:
        storage.delete(name)


def _time(value):
    return parse_datetime(value) if value else None


def _date(value):
    return parse_date(value) if value else None


class _Restore:
    """One import: the archive's rows written in order, refusing at the first stage with
    problems, after listing every problem of that stage."""

    def __init__(self, zf, manifest, saved):
        self.zf, self.manifest, self.saved = zf, manifest, saved
        self.result = ImportResult(learner=manifest["learner"])
        self.people, self.people_ids, self.created = {}, {}, []
        self.items, self.files, self.enrolled_units = {}, {}, {}
        self.criteria, self.parts = {}, {}

    def run(self):
        self._stage(self._qualifications)
        self._stage(self._units)
        self._stage(self._people)
        for entry in self.manifest["enrolments"]:
            self._stage(lambda problems, entry=entry: self._enrolment(entry, problems))
        for entry in self.manifest["enrolments"]:
            self._stage(lambda problems, entry=entry: self._files(entry, problems))
        for entry in self.manifest["enrolments"]:
            self._stage(lambda problems, entry=entry: self._evidence(entry, problems))
            self._stage(lambda problems, entry=entry: self._judgements(entry, problems))
            self._stage(lambda problems, entry=entry: self._sign_offs(entry, problems))
            self._stage(lambda problems, entry=entry: self._targets(entry, problems))
        self._record_in_audit_trail()
        return self.result

    def _record_in_audit_trail(self):
        """The import's own audit records, in its transaction: each person it added and each
        enrolment it restored. The archive's audit extract stays in the archive."""
        try:
            from audit.models import AuditRecord
            from audit.services import audit_record
        except ImportError:
            return
        for username in self.created:
            user = self.people[username]
            audit_record(
                kind=AuditRecord.Kind.PERSON_CREATED,
                actor=None,
                obj=user,
                after=user,
                summary="Person added by a portfolio import.",
            )
        for entry in self.manifest["enrolments"]:
            enrolment = entry["_enrolment"]
            counts = self.result
            audit_record(
                kind=AuditRecord.Kind.ENROLMENT_CREATED,
                actor=None,
                obj=enrolment,
                enrolment=enrolment,
                after=enrolment,
                summary=(
                    f"Portfolio imported from an archive: {len(entry['items'])} item(s), "
                    f"{len(entry['judgements'])} judgement(s), {len(entry['sign_offs'])} "
                    "sign-off(s), every file's SHA-256 and every seal verified."
                ),
                detail=(
                    f"Exported {self.manifest['exported_at']}; {counts.files} file(s), "
                    f"{counts.bytes} bytes."
                ),
            )

    def _stage(self, step):
        problems = []
        try:
            step(problems)
        except ValidationError as error:
            problems.extend(error.messages)
        if problems:
            raise ImportRefused(problems)

    # Catalogue -------------------------------------------------------------------------------

    def _qualifications(self, problems):
        for entry in self.manifest["qualifications"]:
            existing = Qualification.objects.filter(code=entry["code"]).first()
            wording = {k: entry[k] for k in ("title", "awarding_body", "level")}
            if existing is None:
                qualification = Qualification(
                    **wording, code=entry["code"], reference=entry["reference"]
                )
                qualification.full_clean()
                qualification.save()
                self.result.qualifications_created.append(entry["code"])
            elif any(getattr(existing, k) != v for k, v in wording.items()):
                problems.append(
                    f"Qualification {entry['code']}: it exists here with a different title, "
                    "awarding body or level; the archive's is not the same qualification."
                )

    def _units(self, problems):
        for spec in self.manifest["units"]:
            reference = spec.get("reference") or ""
            existing = Unit.objects.filter(slug=spec["slug"]).first()
            if existing is None and reference:
                existing = Unit.objects.filter(reference=reference).first()
            if existing is not None:
                differences = _spec_differences(unit_export(unit=existing), spec)
                if differences:
                    problems.append(
                        f"Unit {reference or spec['slug']}: it exists here with different "
                        f"wording ({', '.join(differences)}); the archive's unit is refused."
                    )
                continue
            try:
                unit_import(spec=spec)
            except UnitSpecInvalid as error:
                problems.extend(f"Unit {spec['slug']}: {m}" for m in error.messages)
            else:
                self.result.units_created.append(reference or spec["slug"])

    # People -----------------------------------------------------------------------------------

    def _people(self, problems):
        listed = {p["username"]: p for p in self.manifest["people"]}
        learner = self.manifest["learner"]
        staff = {e["assessor"] for e in self.manifest["enrolments"]}
        staff |= {e["iqa"] for e in self.manifest["enrolments"] if e["iqa"]}
        for username, person in sorted(listed.items()):
            self.people_ids[person["id"]] = username
            email = person["email"].strip()
            user = (
                User.objects.filter(email__iexact=email).order_by("pk").first() if email else None
            )
            if user is None and username in staff:
                role = "assessor or internal quality assurer"
                problems.append(
                    f"{person['first_name']} {person['last_name']} <{email or 'no email'}>, "
                    f"the {role} of the enrolment, has no account here: add them first."
                )
                continue
            if user is None:
                user = self._new_person(person, active=username == learner)
            self.people[username] = user

    def _new_person(self, person, *, active):
        username, n = person["username"], 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{person['username']}-{n}"
        user = User(
            username=username,
            email=person["email"],
            first_name=person["first_name"],
            last_name=person["last_name"],
            is_active=active,
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        self.created.append(person["username"])
        self.result.people_created.append(f"{username} <{person['email']}>")
        return user

    def person(self, username):
        return self.people[username] if username else None

    # Enrolment, files, evidence ----------------------------------------------------------------

    def _enrolment(self, entry, problems):
        learner = self.person(self.manifest["learner"])
        qualification = Qualification.objects.get(code=entry["qualification"])
        if Enrolment.objects.filter(learner=learner, qualification=qualification).exists():
            problems.append(
                f"{learner.username} is already enrolled here on {qualification.title}: "
                "an import does not merge portfolios."
            )
            return
        enrolment = Enrolment(
            learner=learner,
            qualification=qualification,
            assessor=self.person(entry["assessor"]),
            iqa=self.person(entry["iqa"]),
            start_date=_date(entry["start_date"]),
            planned_end_date=_date(entry["planned_end_date"]),
            status=entry["status"],
        )
        enrolment.full_clean()
        enrolment.save()
        Enrolment.objects.filter(pk=enrolment.pk).update(created_at=_time(entry["created_at"]))
        entry["_enrolment"] = enrolment
        for slug in entry["units"]:
            enrolled_unit = EnrolmentUnit.objects.create(
                enrolment=enrolment, unit=Unit.objects.get(slug=slug)
            )
            self.enrolled_units[(enrolment.pk, slug)] = enrolled_unit
        self.result.enrolments.append(f"{qualification.code}")

    def _files(self, entry, problems):
        """Every file copied into storage with its SHA-256 checked as it streams: all of them,
        so that the refusal names every one that does not match."""
        enrolment = entry["_enrolment"]
        for item_entry in entry["items"]:
            item = self._item(enrolment, item_entry)
            for file_entry in item_entry["files"]:
                problem = self._file(item, file_entry)
                if problem:
                    problems.append(problem)

    def _item(self, enrolment, entry):
        item = EvidenceItem(
            enrolment=enrolment,
            created_by=self.person(entry["created_by"]),
            submitted_at=_time(entry["submitted_at"]),
            **{
                key: entry[key]
                for key in (
                    "title",
                    "description",
                    "evidence_type",
                    "assessment_method",
                    "template",
                    "typed_content",
                    "status",
                    "is_assessor_record",
                )
            },
            activity_date=_date(entry["activity_date"]),
        )
        item.full_clean()
        item.save()
        self.items[entry["id"]] = item
        self.result.items += 1
        return item

    def _file(self, item, entry):
        path = entry["path"]
        try:
            info = self.zf.getinfo(path)
        except KeyError:
            return f"{path}: listed in the manifest but missing from the archive."
        evidence_file = EvidenceFile(
            item=item,
            original_name=entry["original_name"],
            size=entry["size"],
            sha256=entry["sha256"],
            content_type=entry["content_type"],
            uploaded_by=self.person(entry["uploaded_by"]),
            removed_at=_time(entry["removed_at"]),
        )
        with self.zf.open(info) as member:
            reader = _Hashing(member)
            content = File(reader, name=entry["original_name"])
            content.size = info.file_size
            evidence_file.file.save(entry["original_name"], content, save=False)
        self.saved.append((evidence_file.file.storage, evidence_file.file.name))
        if reader.size != entry["size"] or reader.sha256.hexdigest() != entry["sha256"]:
            return (
                f"{path}: its bytes do not match the manifest's SHA-256 "
                f"(file “{entry['original_name']}” of “{item.title}”)."
            )
        evidence_file.full_clean(exclude=["file"])
        evidence_file.save()
        self.files[entry["id"]] = evidence_file
        self.result.files += 1
        self.result.bytes += reader.size
        return None

    def _criterion(self, ref):
        key = (ref["unit"], ref["code"])
        if key not in self.criteria:
            self.criteria[key] = AssessmentCriterion.objects.get_by_natural_key(*key)
        criterion = self.criteria[key]
        if not ref.get("part"):
            return criterion, None
        part_key = (*key, ref["part"])
        if part_key not in self.parts:
            self.parts[part_key] = CriterionPart.objects.get(
                criterion=criterion, letter=ref["part"]
            )
        return criterion, self.parts[part_key]

    def _evidence(self, entry, problems):
        for item_entry in entry["items"]:
            item = self.items[item_entry["id"]]
            for m in item_entry["mappings"]:
                criterion, part = self._criterion(m)
                mapping = EvidenceMapping(
                    item=item,
                    criterion=criterion,
                    part=part,
                    note=m["note"],
                    added_by=self.person(m["added_by"]),
                    added_by_assessor=m["added_by_assessor"],
                    decision=m["decision"],
                    decision_comment=m["decision_comment"],
                    decided_by=self.person(m["decided_by"]),
                    decided_at=_time(m["decided_at"]),
                )
                mapping.full_clean()
                mapping.save()
                EvidenceMapping.objects.filter(pk=mapping.pk).update(
                    created_at=_time(m["created_at"])
                )
            for f in item_entry["feedback"]:
                feedback = Feedback.objects.create(
                    item=item, author=self.person(f["author"]), kind=f["kind"], text=f["text"]
                )
                Feedback.objects.filter(pk=feedback.pk).update(created_at=_time(f["created_at"]))
            for v in item_entry["versions"]:
                version = EvidenceVersion(
                    item=item,
                    number=v["number"],
                    title=v["title"],
                    description=v["description"],
                    activity_date=_date(v["activity_date"]),
                    evidence_type=v["evidence_type"],
                    assessment_method=v["assessment_method"],
                    template=v["template"],
                    typed_content=v["typed_content"],
                    mappings=v["mappings"],
                    declaration=v["declaration"],
                    declared_by=self.person(v["declared_by"]),
                    declared_at=_time(v["declared_at"]),
                    acknowledged_by=self.person(v["acknowledged_by"]),
                    acknowledged_at=_time(v["acknowledged_at"]),
                    acknowledgement=v["acknowledgement"],
                )
                version.full_clean(exclude=["mappings"])
                version.save()
                missing = [pk for pk in v["files"] if pk not in self.files]
                if missing:
                    problems.append(
                        f"Version {v['number']} of “{item.title}” names files the archive does "
                        f"not list: {', '.join(map(str, missing))}."
                    )
                version.files.set([self.files[pk] for pk in v["files"] if pk in self.files])
            # Times the models set themselves are put back as they were.
            EvidenceItem.objects.filter(pk=item.pk).update(
                created_at=_time(item_entry["created_at"]),
                updated_at=_time(item_entry["updated_at"]),
            )
            for file_entry in item_entry["files"]:
                EvidenceFile.objects.filter(pk=self.files[file_entry["id"]].pk).update(
                    uploaded_at=_time(file_entry["uploaded_at"])
                )

    def _new_item_id(self, old, problems, where):
        if old not in self.items:
            problems.append(f"{where} relies on evidence item {old}, which the archive lacks.")
            return None
        return self.items[old].pk

    def _judgements(self, entry, problems):
        enrolment = entry["_enrolment"]
        for j in entry["judgements"]:
            where = f"Judgement of {j['unit']} {j['code']}{' ' + j['part'] if j['part'] else ''}"
            criterion, part = self._criterion(j)
            latest = max(j["history"], key=lambda h: h["version"], default=None)
            if latest and any(
                latest[k] != j[k] for k in ("version", "outcome", "rationale", "methods")
            ):
                problems.append(f"{where}: it does not match its own history.")
                continue
            judgement = Judgement(
                enrolled_unit=self.enrolled_units[(enrolment.pk, j["unit"])],
                criterion=criterion,
                part=part,
                outcome=j["outcome"],
                rationale=j["rationale"],
                methods=j["methods"],
                judged_by=self.person(j["judged_by"]),
                judged_at=_time(j["judged_at"]),
                version=j["version"],
            )
            judgement.full_clean(exclude=["methods"])
            judgement.save()
            for e in j["evidence"]:
                item_id = self._new_item_id(e["item"], problems, where)
                if item_id:
                    JudgementEvidence.objects.create(
                        judgement=judgement,
                        item_id=item_id,
                        **{
                            k: e[k]
                            for k in ("valid", "authentic", "current", "sufficient", "reliable")
                        },
                    )
            for h in j["history"]:
                evidence = [
                    {**e, "item": self.items[e["item"]].pk} if e.get("item") in self.items else e
                    for e in h["evidence"]
                ]
                JudgementHistory.objects.create(
                    judgement=judgement,
                    version=h["version"],
                    outcome=h["outcome"],
                    rationale=h["rationale"],
                    methods=h["methods"],
                    evidence=evidence,
                    changed_by=self.person(h["changed_by"]),
                    changed_at=_time(h["changed_at"]),
                    change=h["change"],
                )
            self.result.judgements += 1

    def _targets(self, entry, problems):
        for t in entry["targets"]:
            target = Target(
                enrolment=entry["_enrolment"],
                description=t["description"],
                due_date=_date(t["due_date"]),
                status=t["status"],
                set_by=self.person(t["set_by"]),
                closed_at=_time(t["closed_at"]),
                closed_by=self.person(t["closed_by"]),
            )
            target.full_clean()
            target.save()
            Target.objects.filter(pk=target.pk).update(created_at=_time(t["created_at"]))
            refs = [self._criterion(ref) for ref in t["criteria"]]
            target.criteria.set([c for c, p in refs if p is None])
            target.parts.set([p for _, p in refs if p is not None])
            for r in t["reopenings"]:
                TargetReopening.objects.create(
                    target=target,
                    reason=r["reason"],
                    was_status=r["was_status"],
                    was_closed_at=_time(r["was_closed_at"]),
                    was_closed_by=self.person(r["was_closed_by"]),
                    reopened_by=self.person(r["reopened_by"]),
                    reopened_at=_time(r["reopened_at"]),
                )

    # Seals ------------------------------------------------------------------------------------

    def _sign_offs(self, entry, problems):
        enrolment = entry["_enrolment"]
        for s in entry["sign_offs"]:
            where = f"Sign-off of unit {s['unit']} made {s['assessor_signed_at']}"
            if manifest_digest(s["covered"]) != s["digest"]:
                problems.append(
                    f"{where}: its seal is broken: what it covers does not match its digest."
                )
                continue
            enrolled_unit = self.enrolled_units[(enrolment.pk, s["unit"])]
            covered, differences = self._translated(s["covered"])
            if not differences and s["reopened_at"] is None:
                here = sign_off_manifest(
                    enrolled_unit, manifest_format=s["covered"].get("format", 1)
                )
                differences = _manifest_differences(covered, here)
                if not differences and manifest_digest(here) != manifest_digest(covered):
                    differences = ["the archive's records differ from what was signed."]
            if differences:
                problems.append(
                    f"{where}: its seal does not match the archive: " + " ".join(differences)
                )
                continue
            sign_off = UnitSignOff(
                enrolled_unit=enrolled_unit,
                assessor=self.person(s["assessor"]),
                assessor_declaration=s["assessor_declaration"],
                assessor_signed_at=_time(s["assessor_signed_at"]),
                digest=manifest_digest(covered),
                covered=covered,
                learner=self.person(s["learner"]),
                learner_declaration=s["learner_declaration"],
                learner_signed_at=_time(s["learner_signed_at"]),
                reopened_at=_time(s["reopened_at"]),
                reopened_by=self.person(s["reopened_by"]),
                reopen_reason=s["reopen_reason"],
            )
            sign_off.full_clean()
            sign_off.save()
            if sign_off.is_standing and not sign_off_verify(sign_off)[0]:
                problems.append(f"{where}: its seal cannot be made again here.")
            self.result.sign_offs += 1

    def _username(self, old):
        user = self.people.get(old)
        return user.username if user else None

    def _translated(self, covered):
        """`covered` in this installation's ids and usernames, and any part of it that
        cannot be checked against the archive (an item's content digest that does not match
        its imported version)."""
        covered = json.loads(json.dumps(covered))
        differences = []
        covered["learner"] = self._username(covered.get("learner"))
        for judgement in covered.get("judgements", []):
            judgement["judged_by"] = self._username(judgement.get("judged_by"))
            for evidence in judgement.get("evidence", []):
                item = self.items.get(evidence.get("item"))
                if item is None:
                    differences.append(
                        f"{judgement['code']}: relies on an item not in the archive."
                    )
                    continue
                evidence["item"] = item.pk
                for mapping in evidence.get("mappings", []):
                    mapping["decided_by"] = self._username(mapping.get("decided_by"))
                if evidence.get("content") is not None:
                    problem = self._content(item, evidence)
                    if problem:
                        differences.append(problem)
        return covered, differences

    def _content(self, item, evidence):
        """Check the sealed digest of a version's content against the imported version, with
        the exporting installation's id of its declarer, and give it this installation's."""
        version = EvidenceVersion.objects.filter(item=item, number=evidence["version"]).first()
        if version is None:
            return f"version {evidence['version']} of “{evidence['title']}” is not in the archive."
        here_id = version.declared_by_id
        there_id = next(
            (
                pk
                for pk, name in self.people_ids.items()
                if self.people.get(name) and self.people[name].pk == here_id
            ),
            None,
        )
        version.declared_by_id = there_id
        sealed = _version_content_digest(version)
        version.declared_by_id = here_id
        if sealed != evidence["content"]:
            return (
                f"the content of version {evidence['version']} of “{evidence['title']}” "
                "differs from what was signed."
            )
        evidence["content"] = _version_content_digest(version)
        return None


def _spec_differences(here, there):
    """The keys of a unit's specification whose wording differs, its qualifications aside."""
    keys = (set(here) | set(there)) - {"qualifications", "format", "version"}
    return sorted(key for key in keys if here.get(key) != there.get(key))


def export_to_temporary_file(**kwargs):
    """portfolio_export into a named temporary file; (path, manifest). The caller removes it."""
    handle, path = tempfile.mkstemp(suffix=".zip")
    os.close(handle)
    try:
        manifest = portfolio_export(target=path, **kwargs)
    except BaseException:
        os.unlink(path)
        raise
    return path, manifest

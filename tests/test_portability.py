"""The portable portfolio: export_portfolio writes a ZIP whose manifest the JSON Schema in docs/
describes; import_portfolio restores it into a fresh database, and exporting again gives the
same manifest apart from ids; a tampered archive is refused naming what was changed, with
nothing written."""

import datetime
import hashlib
import io
import json
import zipfile
from hashlib import sha256

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assessments.models import Judgement, Target, UnitSignOff
from assessments.signoff import manifest_digest, sign_off_verify, unit_countersign, unit_sign_off
from assessments.targets import target_close, target_reopen, target_set
from audit.chain import canonical_json
from criteria.models import Unit
from evidence.models import EvidenceFile, EvidenceItem
from evidence.services import evidence_revise
from people.models import Enrolment, User
from portability.services import ImportRefused, manifest_schema, portfolio_import

from .evidence_factories import EvidenceItemFactory, add_file, pdf_bytes, submit
from .factories import UserFactory
from .test_judgements import criterion, fully_met, part


@pytest.fixture
def portfolio(alice_enrolment, unit, alice, carol):
    """alice's unit fully met, signed and countersigned; and a second item in two versions."""
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    sign_off = unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    unit_countersign(sign_off=sign_off, by=alice, declaration_confirmed=True)
    minutes = EvidenceItemFactory(enrolment=alice_enrolment, title="Minutes of a 1 to 1")
    add_file(minutes, "minutes.pdf", pdf_bytes("First draft of the minutes"))
    submit(minutes)
    evidence_revise(item=minutes, by=alice)
    add_file(minutes, "minutes-signed.pdf", pdf_bytes("The minutes, signed"))
    submit(minutes)
    target = target_set(
        enrolment=alice_enrolment,
        by=carol,
        description="Add a feedback survey of the post room.",
        due_date=datetime.date(2026, 12, 18),
        criteria=[criterion(unit, "5.1")],
        parts=[part(unit, "9.1", "a")],
    )
    target_close(target=target, by=carol, status=Target.Status.DONE)
    target_reopen(target=target, by=carol, reason="The survey had two answers.")
    return alice_enrolment


def export(tmp_path, username="alice", name="alice.zip", report=False):
    path = tmp_path / name
    args = ["export_portfolio", username, "-o", str(path)]
    call_command(*args, *([] if report else ["--no-report"]), stdout=io.StringIO())
    return path


def read_manifest(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def fresh_installation(settings, tmp_path):
    """Empty the database and the media root, as another centre's installation would be, with
    the enrolment's assessor and IQA already there under the same emails."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's transaction holds deferred foreign-key checks, which TRUNCATE refuses.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        call_command("flush", interactive=False, verbosity=0)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    settings.MEDIA_ROOT = tmp_path / "other-media"
    UserFactory(username="carol", first_name="Carol", last_name="Carter")
    UserFactory(username="erin", first_name="Erin", last_name="Evans")


def rewrite(source, target, changes, *, leave_out=()):
    """A copy of the ZIP with `changes` {member: function(bytes) -> bytes} applied."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            if info.filename not in leave_out:
                data = zin.read(info)
                zout.writestr(info, changes.get(info.filename, lambda b: b)(data))
    return target


def edit_manifest(edit):
    def change(data):
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def without_ids(manifest):
    """The manifest with every id replaced by its position, and what hashes ids left out."""
    manifest = json.loads(json.dumps(manifest))
    manifest.pop("exported_at")
    for person in manifest["people"]:
        person.pop("id")
    for enrolment in manifest["enrolments"]:
        enrolment.pop("id")
        # The audit trail is each installation's own: the import's records are not the export's.
        enrolment.pop("audit", None)
        items = {item["id"]: n for n, item in enumerate(enrolment["items"])}
        files = {}
        for item in enrolment["items"]:
            for n, f in enumerate(item["files"]):
                files[f["id"]] = (items[item["id"]], n)
                f.pop("id"), f.pop("path")
            item["id"] = items[item["id"]]
            for version in item["versions"]:
                version["files"] = [files[pk] for pk in version["files"]]
        for judgement in enrolment["judgements"]:
            for entry in [
                *judgement["evidence"],
                *(e for h in judgement["history"] for e in h["evidence"]),
            ]:
                entry["item"] = items[entry["item"]]
        for sign_off in enrolment["sign_offs"]:
            sign_off.pop("digest")
            for judgement in sign_off["covered"]["judgements"]:
                for entry in judgement["evidence"]:
                    entry["item"] = items[entry["item"]]
                    entry.pop("content")
    return manifest


class TestExport:
    def test_it_writes_every_file_and_version_with_a_manifest_the_schema_accepts(
        self, portfolio, tmp_path
    ):
        path = export(tmp_path, report=True)

        manifest = read_manifest(path)
        jsonschema.validate(manifest, manifest_schema())
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for stored in EvidenceFile.objects.filter(item__enrolment=portfolio):
                entry = next(
                    f
                    for e in manifest["enrolments"]
                    for i in e["items"]
                    for f in i["files"]
                    if f["id"] == stored.pk
                )
                assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == stored.sha256
            index = zf.read("index.html").decode()
            pdf = zf.read(f"coverage/{portfolio.pk}-{portfolio.qualification.code}.pdf")
        assert {"manifest.json", "index.html"} <= names
        assert pdf.startswith(b"%PDF")
        assert "<script" not in index and "http" not in index.replace("https://", "")
        minutes = next(
            i for i in manifest["enrolments"][0]["items"] if i["title"] == "Minutes of a 1 to 1"
        )
        assert [v["number"] for v in minutes["versions"]] == [1, 2]
        assert len(minutes["versions"][0]["files"]) == 1
        assert len(minutes["versions"][1]["files"]) == 2
        assert 'href="files/' in index

    def test_the_manifest_carries_sign_offs_with_their_seals_and_judgements_with_history(
        self, portfolio, tmp_path
    ):
        manifest = read_manifest(export(tmp_path))

        enrolment = manifest["enrolments"][0]
        (sign_off,) = enrolment["sign_offs"]
        assert sign_off["digest"] == manifest_digest(sign_off["covered"])
        assert sign_off["learner"] == "alice"
        judgement = enrolment["judgements"][0]
        assert judgement["history"][-1]["version"] == judgement["version"]
        assert enrolment["units"] == ["a-601-2550"]
        assert manifest["units"][0]["reference"] == "A/601/2550"
        kinds = [record["kind"] for record in enrolment["audit"]]
        assert "signed_off" in kinds and "countersigned" in kinds
        for record in enrolment["audit"]:
            assert sha256(canonical_json(record["hashed"])).hexdigest() == record["record_hash"]
        (target,) = enrolment["targets"]
        assert [r["code"] + (r["part"] or "") for r in target["criteria"]] == ["5.1", "9.1a"]
        assert target["reopenings"][0]["reason"] == "The survey had two answers."
        assert {p["email"] for p in manifest["people"]} >= {
            "alice@example.org",
            "carol@example.org",
        }

    def test_it_refuses_a_file_damaged_in_storage_naming_it(self, portfolio, tmp_path):
        stored = EvidenceFile.objects.filter(original_name="minutes.pdf").get()
        with stored.file.open("ab") as damaged:
            damaged.write(b"!")

        with pytest.raises(CommandError) as error:
            export(tmp_path)

        assert str(error.value).startswith(
            "The stored file “minutes.pdf” of “Minutes of a 1 to 1” no longer matches"
        )
        assert not (tmp_path / "alice.zip").exists()

    def test_it_refuses_someone_with_no_portfolio(self, carol, tmp_path):
        with pytest.raises(CommandError, match="not enrolled as a learner"):
            export(tmp_path, username="carol")


class TestRoundTrip:
    def test_export_import_into_a_fresh_database_and_export_again_gives_the_same_manifest(
        self, portfolio, tmp_path, settings
    ):
        first = read_manifest(export(tmp_path, name="first.zip"))
        archive = tmp_path / "first.zip"
        fresh_installation(settings, tmp_path)

        out = io.StringIO()
        call_command("import_portfolio", str(archive), stdout=out)

        assert "Learner alice: 1 enrolment(s) imported." in out.getvalue()
        second = read_manifest(export(tmp_path, name="second.zip"))
        assert without_ids(second) == without_ids(first)
        sign_off = UnitSignOff.objects.get()
        assert sign_off_verify(sign_off) == (True, [])
        (imported,) = second["enrolments"][0]["audit"]
        assert imported["kind"] == "enrolment_created"
        assert imported["hashed"]["summary"].startswith("Portfolio imported from an archive")
        verify = io.StringIO()
        call_command("verify_audit", stdout=verify)
        alice = User.objects.get(username="alice")
        assert not alice.has_usable_password() and alice.is_active

    def test_a_dry_run_checks_everything_and_writes_nothing(self, portfolio, tmp_path, settings):
        archive = export(tmp_path)
        fresh_installation(settings, tmp_path)

        out = io.StringIO()
        call_command("import_portfolio", str(archive), "--dry-run", stdout=out)

        assert "Dry run: nothing was written." in out.getvalue()
        assert not Enrolment.objects.exists() and not Unit.objects.exists()
        assert not list((tmp_path / "other-media").rglob("*.*"))

    def test_people_are_matched_by_email_not_username(self, portfolio, tmp_path, settings):
        archive = export(tmp_path)
        fresh_installation(settings, tmp_path)
        User.objects.filter(username="carol").update(username="c.carter")

        portfolio_import(archive=archive)

        enrolment = Enrolment.objects.get()
        assert enrolment.assessor.username == "c.carter"
        assert sign_off_verify(UnitSignOff.objects.get())[0]

    def test_it_refuses_naming_an_assessor_with_no_account(self, portfolio, tmp_path, settings):
        archive = export(tmp_path)
        fresh_installation(settings, tmp_path)
        User.objects.filter(username="carol").delete()

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=archive)

        assert refused.value.problems == [
            "Carol Carter <carol@example.org>, the assessor or internal quality assurer of the "
            "enrolment, has no account here: add them first."
        ]
        assert not User.objects.filter(username="alice").exists()

    def test_it_refuses_a_unit_with_the_same_reference_and_different_wording(
        self, portfolio, unit, tmp_path
    ):
        archive = export(tmp_path)
        Enrolment.objects.all().update()  # the same installation: alice is enrolled here
        Unit.objects.filter(pk=unit.pk).update(title="Deliver customer service")

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=archive)

        assert refused.value.problems == [
            "Unit A/601/2550: it exists here with different wording (title); "
            "the archive's unit is refused."
        ]

    def test_it_will_not_import_over_an_enrolment_that_exists(self, portfolio, tmp_path):
        archive = export(tmp_path)
        items = EvidenceItem.objects.count()

        with pytest.raises(ImportRefused, match="already enrolled here"):
            portfolio_import(archive=archive)

        assert EvidenceItem.objects.count() == items


class TestTampering:
    @pytest.fixture
    def archive(self, portfolio, tmp_path, settings):
        path = export(tmp_path)
        fresh_installation(settings, tmp_path)
        return path

    def assert_nothing_written(self, tmp_path):
        assert not Enrolment.objects.exists()
        assert not EvidenceItem.objects.exists() and not Judgement.objects.exists()
        assert not User.objects.filter(username="alice").exists()
        assert not list((tmp_path / "other-media").rglob("*.*"))

    def test_one_changed_byte_of_a_file_is_refused_naming_the_file(self, archive, tmp_path):
        manifest = read_manifest(archive)
        path = manifest["enrolments"][0]["items"][0]["files"][0]["path"]
        flipped = rewrite(
            archive, tmp_path / "t.zip", {path: lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:]}
        )

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=flipped)

        (problem,) = refused.value.problems
        assert problem.startswith(f"{path}: its bytes do not match the manifest's SHA-256")
        self.assert_nothing_written(tmp_path)

    def test_an_edited_judgement_is_refused_naming_the_sign_off_and_criterion(
        self, archive, tmp_path
    ):
        def edit(manifest):
            judgement = manifest["enrolments"][0]["judgements"][0]
            judgement["rationale"] = judgement["history"][-1]["rationale"] = "Seen it all."

        tampered = rewrite(archive, tmp_path / "t.zip", {"manifest.json": edit_manifest(edit)})

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=tampered)

        (problem,) = refused.value.problems
        assert problem.startswith("Sign-off of unit a-601-2550 made ")
        assert "1.1: the rationale has changed." in problem
        self.assert_nothing_written(tmp_path)

    def test_a_judgement_that_disagrees_with_its_history_is_refused(self, archive, tmp_path):
        def edit(manifest):
            manifest["enrolments"][0]["judgements"][0]["outcome"] = "not_yet"

        tampered = rewrite(archive, tmp_path / "t.zip", {"manifest.json": edit_manifest(edit)})

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=tampered)

        assert refused.value.problems == [
            "Judgement of a-601-2550 1.1: it does not match its own history."
        ]
        self.assert_nothing_written(tmp_path)

    def test_a_broken_seal_is_refused_naming_the_sign_off(self, archive, tmp_path):
        def edit(manifest):
            manifest["enrolments"][0]["sign_offs"][0]["covered"]["judgements"][0]["outcome"] = "x"

        tampered = rewrite(archive, tmp_path / "t.zip", {"manifest.json": edit_manifest(edit)})

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=tampered)

        (problem,) = refused.value.problems
        assert problem.startswith("Sign-off of unit a-601-2550 made ")
        assert problem.endswith("its seal is broken: what it covers does not match its digest.")
        self.assert_nothing_written(tmp_path)

    def test_a_manifest_the_schema_refuses_is_refused_saying_where(self, archive, tmp_path):
        def edit(manifest):
            manifest["enrolments"][0]["items"][0]["files"][0]["sha256"] = "not a hash"

        tampered = rewrite(archive, tmp_path / "t.zip", {"manifest.json": edit_manifest(edit)})

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=tampered)

        assert refused.value.problems == [
            "manifest.json: enrolments/0/items/0/files/0/sha256: "
            "'not a hash' does not match '^[0-9a-f]{64}$'"
        ]

    def test_the_command_names_each_problem_and_says_nothing_was_written(self, archive, tmp_path):
        manifest = read_manifest(archive)
        paths = [f["path"] for i in manifest["enrolments"][0]["items"] for f in i["files"]]
        spoilt = rewrite(archive, tmp_path / "t.zip", dict.fromkeys(paths, lambda b: b + b"!"))

        with pytest.raises(CommandError) as error:
            call_command("import_portfolio", str(spoilt))

        assert "was not imported; nothing was written" in str(error.value)
        for path in paths:
            assert path in str(error.value)
        self.assert_nothing_written(tmp_path)

    def test_a_file_missing_from_the_archive_is_named(self, archive, tmp_path):
        path = read_manifest(archive)["enrolments"][0]["items"][0]["files"][0]["path"]
        short = rewrite(archive, tmp_path / "t.zip", {}, leave_out={path})

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=short)

        assert refused.value.problems == [
            f"{path}: listed in the manifest but missing from the archive."
        ]
        self.assert_nothing_written(tmp_path)

    def test_something_that_is_not_a_zip_is_refused(self, archive, tmp_path):
        not_zip = tmp_path / "portfolio.zip"
        not_zip.write_text("Dear centre, please find attached my portfolio.")

        with pytest.raises(ImportRefused) as refused:
            portfolio_import(archive=not_zip)

        assert refused.value.problems == ["The file is not a ZIP archive, or it is damaged."]

from django.core.management.base import BaseCommand, CommandError

from assessments.models import UnitSignOff
from audit.chain_check import audit_chain_check
from audit.retention import pseudonymised_learner_ids
from audit.seals import seal_check


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain and check every standing sign-off's seal. Exits 0 "
        "printing the head hash when intact, non-zero naming the first broken record."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-head",
            metavar="HASH",
            help="A head hash written down earlier (log_audit_head): it must still be in the "
            "chain, which catches records removed from the end.",
        )

    def handle(self, *args, expect_head=None, **options):
        report = audit_chain_check(expect_hash=expect_head)
        problems = []
        if not report.intact:
            problems.append(f"Audit record {report.broken_at} is broken: {report.reason}.")
        standing = (
            UnitSignOff.objects.filter(reopened_at__isnull=True)
            .select_related("enrolled_unit__unit", "enrolled_unit__enrolment")
            .order_by("pk")
        )
        seals, pseudonymised = 0, pseudonymised_learner_ids()
        for sign_off in standing.iterator(chunk_size=200):
            intact, differences = seal_check(sign_off, pseudonymised)
            seals += 1
            if not intact:
                problems.append(
                    f"Sign-off {sign_off.pk} (enrolment {sign_off.enrolled_unit.enrolment_id}, "
                    f"unit {sign_off.enrolled_unit.unit.reference}): seal broken: "
                    + " ".join(differences)
                )
        if problems:
            raise CommandError("\n".join(problems), returncode=2)
        self.stdout.write(
            f"Audit trail intact: {report.count} records, head {report.head_hash} "
            f"(sequence {report.head_sequence}). {seals} standing sign-offs, every seal intact."
        )

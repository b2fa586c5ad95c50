"""An assessor's record is frozen as versions like learner evidence, and the learner's
acknowledgement belongs to the version it was given for.

Records written before had no version: each gets version 1 from its working copy as it stands,
declared by its author when it was written, and carries over the acknowledgement it had.
"""

from django.db import migrations

# The words of evidence.services.RECORD_DECLARATION when this migration was written.
RECORD_DECLARATION = (
    "I confirm that this record is an accurate account of the assessment I carried out."
)


def _snapshot(EvidenceMapping, item):
    mappings = EvidenceMapping.objects.filter(item=item).select_related(
        "criterion__outcome__unit", "part", "added_by"
    )
    snapshot = []
    for mapping in mappings:
        criterion = mapping.criterion
        unit = criterion.outcome.unit
        code = f"{criterion.outcome.number}.{criterion.number}"
        snapshot.append(
            {
                "unit": unit.reference or unit.slug,
                "code": f"{code} {mapping.part.letter}" if mapping.part_id else code,
                "text": mapping.part.text if mapping.part_id else criterion.text,
                "note": mapping.note,
                "added_by": mapping.added_by.username,
                "added_by_assessor": mapping.added_by_assessor,
            }
        )
    return snapshot


def version_the_records(apps, schema_editor):
    EvidenceItem = apps.get_model("evidence", "EvidenceItem")
    EvidenceVersion = apps.get_model("evidence", "EvidenceVersion")
    EvidenceMapping = apps.get_model("evidence", "EvidenceMapping")
    EvidenceFile = apps.get_model("evidence", "EvidenceFile")
    records = EvidenceItem.objects.filter(is_assessor_record=True).select_related("enrolment")
    for item in records:
        version = EvidenceVersion.objects.filter(item=item).order_by("-number").first()
        if version is None:
            version = EvidenceVersion.objects.create(
                item=item,
                number=1,
                title=item.title,
                description=item.description,
                activity_date=item.activity_date,
                evidence_type=item.evidence_type,
                assessment_method=item.assessment_method,
                template=item.template,
                typed_content=item.typed_content,
                mappings=_snapshot(EvidenceMapping, item),
                declaration=RECORD_DECLARATION,
                declared_by_id=item.created_by_id,
                declared_at=item.submitted_at or item.created_at,
            )
            version.files.set(EvidenceFile.objects.filter(item=item, removed_at__isnull=True))
        if item.acknowledged_at is not None:
            version.acknowledged_by_id = item.enrolment.learner_id
            version.acknowledged_at = item.acknowledged_at
            version.acknowledgement = item.acknowledgement
            version.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement"])


def acknowledgements_back_on_the_records(apps, schema_editor):
    EvidenceItem = apps.get_model("evidence", "EvidenceItem")
    EvidenceVersion = apps.get_model("evidence", "EvidenceVersion")
    acknowledged = EvidenceVersion.objects.filter(
        item__is_assessor_record=True, acknowledged_at__isnull=False
    ).order_by("item", "number")
    for version in acknowledged:
        EvidenceItem.objects.filter(pk=version.item_id).update(
            acknowledged_at=version.acknowledged_at, acknowledgement=version.acknowledgement
        )


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0003_acknowledgement_on_the_version"),
    ]

    operations = [
        migrations.RunPython(version_the_records, acknowledgements_back_on_the_records),
    ]

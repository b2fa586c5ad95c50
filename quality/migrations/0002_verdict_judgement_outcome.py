"""Each verdict keeps the outcome it was given on, as well as the version: the review page shows
what was sampled next to what the judgement is now. Existing verdicts take it from the
judgement's history, which holds every version as recorded."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def outcome_as_sampled(apps, schema_editor):
    Verdict = apps.get_model("quality", "Verdict")
    Judgement = apps.get_model("assessments", "Judgement")
    JudgementHistory = apps.get_model("assessments", "JudgementHistory")
    sampled = JudgementHistory.objects.filter(
        judgement=OuterRef("judgement"), version=OuterRef("judgement_version")
    ).values("outcome")[:1]
    current = Judgement.objects.filter(pk=OuterRef("judgement")).values("outcome")[:1]
    Verdict.objects.update(judgement_outcome=Coalesce(Subquery(sampled), Subquery(current)))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("quality", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="verdict",
            name="judgement_outcome",
            field=models.CharField(
                choices=[("met", "Met"), ("not_yet", "Not yet met")],
                default="met",
                help_text="The outcome as sampled.",
                max_length=8,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(outcome_as_sampled, migrations.RunPython.noop),
    ]

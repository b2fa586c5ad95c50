"""What the suggester remembers: the criteria a learner dismissed for an item, and the text
read out of each uploaded file (read once, within bounds, then kept)."""

from django.conf import settings
from django.db import models

from criteria.models import AssessmentCriterion, CriterionPart
from evidence.models import EvidenceFile, EvidenceItem


class DismissedSuggestion(models.Model):
    """A criterion (or sub-part) the learner said an item does not show: never proposed again
    for that item."""

    item = models.ForeignKey(
        EvidenceItem, on_delete=models.CASCADE, related_name="dismissed_suggestions"
    )
    criterion = models.ForeignKey(AssessmentCriterion, on_delete=models.CASCADE, related_name="+")
    part = models.ForeignKey(
        CriterionPart, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "criterion"],
                condition=models.Q(part__isnull=True),
                name="dismissed_suggestion_criterion_once",
            ),
            models.UniqueConstraint(
                fields=["item", "part"],
                condition=models.Q(part__isnull=False),
                name="dismissed_suggestion_part_once",
            ),
        ]

    def __str__(self):
        return f"{self.item_id}: not {self.part_id or self.criterion_id}"

    @property
    def key(self):
        return f"p{self.part_id}" if self.part_id else f"c{self.criterion_id}"


class ExtractedText(models.Model):
    """The words of one uploaded file, read within the bounds in suggestions/extract.py."""

    file = models.OneToOneField(EvidenceFile, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    problem = models.CharField(max_length=300, blank=True)
    extracted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"text of file {self.file_id}"

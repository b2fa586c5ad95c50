"""The catalogue: qualifications, units, learning outcomes, assessment criteria and sub-parts.

Numbers are stored as integers (and letters for sub-parts) so that 10.1 sorts after 9.1.
Every row has a natural key, so the `units` fixture and the unit import match rows by what
the awarding body calls them rather than by database id.
"""

import re

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

UNIT_REFERENCE_VALIDATOR = RegexValidator(
    r"^[A-Z]/\d{3}/\d{4}$", "A unit reference looks like A/601/2550."
)
SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lower-case letters, digits and single hyphens."
)


def split_code(code):
    """'10.3' -> (10, 3); raises ValueError for anything that is not a criterion code."""
    match = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", str(code))
    if not match:
        raise ValueError(f"{code!r} is not a criterion code such as 3.2.")
    return int(match[1]), int(match[2])


class QualificationManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Qualification(models.Model):
    code = models.CharField(
        max_length=80,
        unique=True,
        validators=[SLUG_VALIDATOR],
        help_text="Short stable name used in imports, e.g. ocr-l3-nvq-diploma-business-admin.",
    )
    title = models.CharField(max_length=255)
    awarding_body = models.CharField(max_length=80)
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    reference = models.CharField(
        "qualification number", max_length=40, blank=True, help_text="Ofqual number, if known."
    )

    objects = QualificationManager()

    class Meta:
        ordering = ["level", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("criteria:qualification", args=[self.code])

    def natural_key(self):
        return (self.code,)


class UnitManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Unit(models.Model):
    slug = models.SlugField(
        max_length=80,
        unique=True,
        validators=[SLUG_VALIDATOR],
        help_text="Stable name for addresses and imports; a-601-2550 for A/601/2550.",
    )
    reference = models.CharField(
        "unit reference number",
        max_length=11,
        blank=True,
        validators=[UNIT_REFERENCE_VALIDATOR],
        help_text="Ofqual unit reference such as A/601/2550; blank until known.",
    )
    awarding_body_number = models.CharField("awarding body unit number", max_length=20, blank=True)
    sector_number = models.CharField("sector unit number", max_length=20, blank=True)
    title = models.CharField(max_length=255)
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    credit_value = models.PositiveSmallIntegerField(null=True, blank=True)
    guided_learning_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    aim = models.TextField("purpose and aim", blank=True)
    evidence_requirements = models.JSONField(default=list, blank=True)
    assessment_methods = models.JSONField(default=list, blank=True)
    assessment_notes = models.TextField(blank=True)
    criteria_complete = models.BooleanField(
        default=True,
        help_text="Off for an outline whose criteria have not been loaded from the specification.",
    )
    qualifications = models.ManyToManyField(Qualification, related_name="units", blank=True)

    objects = UnitManager()

    class Meta:
        ordering = ["level", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"],
                condition=~models.Q(reference=""),
                name="unit_reference_unique_when_known",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}" if self.reference else self.title

    def get_absolute_url(self):
        return reverse("criteria:unit", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    @property
    def display_reference(self):
        return self.reference or "reference not yet known"


class LearningOutcomeManager(models.Manager):
    def get_by_natural_key(self, unit_slug, number):
        return self.get(unit__slug=unit_slug, number=number)


class LearningOutcome(models.Model):
    class Kind(models.TextChoices):
        KNOWLEDGE = "knowledge", "Knowledge"
        COMPETENCE = "competence", "Competence"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="outcomes")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    text = models.TextField()
    kind = models.CharField(max_length=12, choices=Kind.choices)

    objects = LearningOutcomeManager()

    class Meta:
        ordering = ["unit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="outcome_number_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="outcome_number_positive"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.text}"

    def natural_key(self):
        return (*self.unit.natural_key(), self.number)

    natural_key.dependencies = ["criteria.unit"]

    @staticmethod
    def kind_for_text(text):
        """'Understand ...' and 'Know ...' outcomes are knowledge; the rest need real work."""
        first_word = text.strip().split(" ", 1)[0].lower()
        if first_word in {"understand", "know"}:
            return LearningOutcome.Kind.KNOWLEDGE
        return LearningOutcome.Kind.COMPETENCE


class AssessmentCriterionManager(models.Manager):
    def get_by_natural_key(self, unit_slug, code):
        outcome_number, number = split_code(code)
        return self.get(
            outcome__unit__slug=unit_slug, outcome__number=outcome_number, number=number
        )


class AssessmentCriterion(models.Model):
    outcome = models.ForeignKey(LearningOutcome, on_delete=models.CASCADE, related_name="criteria")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="The 2 of criterion 3.2."
    )
    text = models.TextField()

    objects = AssessmentCriterionManager()

    class Meta:
        ordering = ["outcome__unit", "outcome__number", "number"]
        verbose_name_plural = "assessment criteria"
        constraints = [
            models.UniqueConstraint(fields=["outcome", "number"], name="criterion_number_unique"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="criterion_number_positive"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    @property
    def code(self):
        return f"{self.outcome.number}.{self.number}"

    def natural_key(self):
        return (self.outcome.unit.slug, self.code)

    natural_key.dependencies = ["criteria.learningoutcome"]


class CriterionPartManager(models.Manager):
    def get_by_natural_key(self, unit_slug, code, letter):
        outcome_number, number = split_code(code)
        return self.get(
            criterion__outcome__unit__slug=unit_slug,
            criterion__outcome__number=outcome_number,
            criterion__number=number,
            letter=letter,
        )


class CriterionPart(models.Model):
    """A lettered sub-part such as 9.1 a: each needs its own evidence and judgement."""

    criterion = models.ForeignKey(
        AssessmentCriterion, on_delete=models.CASCADE, related_name="parts"
    )
    letter = models.CharField(
        max_length=1, validators=[RegexValidator(r"^[a-z]$", "A sub-part is one letter a to z.")]
    )
    text = models.TextField()

    objects = CriterionPartManager()

    class Meta:
        ordering = ["criterion", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "letter"], name="criterion_part_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    @property
    def code(self):
        return f"{self.criterion.code} {self.letter}"

    def natural_key(self):
        return (*self.criterion.natural_key(), self.letter)

    natural_key.dependencies = ["criteria.assessmentcriterion"]

"""Django admin for the catalogue: read-mostly, since units arrive by fixture or import.

The natural keys (qualification code, unit slug) are read-only once saved: fixtures, imports
and web addresses find rows by them.
"""

from django.contrib import admin

from audit.admin_trail import CATALOGUE_KINDS, AuditedAdmin

from .models import AssessmentCriterion, CriterionPart, LearningOutcome, Qualification, Unit


class AuditedCatalogue(AuditedAdmin):
    """The awarding body's wording changed here is in the audit trail, digested whole: a
    unit's full specification, with its outcomes, criteria and parts (units_export's form)."""

    audit_kinds = CATALOGUE_KINDS

    def audit_state(self, obj):
        from .services import unit_export

        if isinstance(obj, Qualification):
            units = sorted(obj.units.values_list("slug", flat=True)) if obj.pk else []
            return {**super().audit_state(obj), "units": units}
        if isinstance(obj, Unit):
            unit = obj
        elif isinstance(obj, LearningOutcome):
            unit = obj.unit
        else:
            unit = obj.outcome.unit
        if unit.pk is None:  # a unit being added: nothing saved to export yet
            return super().audit_state(obj)
        return {"object": super().audit_state(obj), "unit": unit_export(unit=unit)}


class NaturalKeyReadOnlyOnChange:
    natural_key_fields = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.natural_key_fields if obj is not None else readonly


class UnitMembershipInline(admin.TabularInline):
    model = Unit.qualifications.through
    extra = 0
    autocomplete_fields = ("unit",)
    verbose_name = "unit"
    verbose_name_plural = "units"


@admin.register(Qualification)
class QualificationAdmin(AuditedCatalogue, NaturalKeyReadOnlyOnChange, admin.ModelAdmin):
    natural_key_fields = ("code",)
    list_display = ("title", "code", "awarding_body", "level", "reference")
    list_filter = ("awarding_body", "level")
    search_fields = ("title", "code", "reference")
    inlines = (UnitMembershipInline,)


class LearningOutcomeInline(admin.TabularInline):
    model = LearningOutcome
    extra = 0
    fields = ("number", "text", "kind")
    show_change_link = True


@admin.register(Unit)
class UnitAdmin(AuditedCatalogue, NaturalKeyReadOnlyOnChange, admin.ModelAdmin):
    natural_key_fields = ("slug",)
    list_display = ("reference", "title", "level", "credit_value", "criteria_complete")
    list_display_links = ("reference", "title")
    list_filter = ("criteria_complete", "level", "qualifications")
    search_fields = ("reference", "slug", "title", "awarding_body_number", "sector_number")
    autocomplete_fields = ("qualifications",)
    inlines = (LearningOutcomeInline,)


class AssessmentCriterionInline(admin.TabularInline):
    model = AssessmentCriterion
    extra = 0
    fields = ("number", "text")
    show_change_link = True


@admin.register(LearningOutcome)
class LearningOutcomeAdmin(AuditedCatalogue, admin.ModelAdmin):
    list_display = ("unit", "number", "text", "kind")
    list_filter = ("kind", "unit")
    search_fields = ("text", "unit__reference", "unit__title")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    inlines = (AssessmentCriterionInline,)


class CriterionPartInline(admin.TabularInline):
    model = CriterionPart
    extra = 0
    fields = ("letter", "text")


@admin.register(AssessmentCriterion)
class AssessmentCriterionAdmin(AuditedCatalogue, admin.ModelAdmin):
    list_display = ("code", "unit", "text")
    list_filter = ("outcome__unit",)
    search_fields = ("text", "outcome__unit__reference", "outcome__unit__title")
    list_select_related = ("outcome__unit",)
    autocomplete_fields = ("outcome",)
    inlines = (CriterionPartInline,)

    @admin.display(description="unit", ordering="outcome__unit__title")
    def unit(self, criterion):
        return criterion.outcome.unit

    @admin.display(description="criterion", ordering="outcome__number")
    def code(self, criterion):
        return criterion.code

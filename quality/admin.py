"""Read-mostly admin for quality records: the app's own screens are where they are made, so
signed reviews, verdicts and the EQA log are never edited here."""

from django.contrib import admin

from audit.admin_trail import SAMPLING_KINDS, AuditedAdmin

from .models import (
    AssessorRisk,
    EqaAccessLog,
    EqaGrant,
    SampleReview,
    SamplingPlan,
    SamplingPolicy,
    StandardisationRecord,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SamplingPolicy)
class SamplingPolicyAdmin(AuditedAdmin, admin.ModelAdmin):
    audit_kinds = SAMPLING_KINDS
    list_display = ("__str__", "new_rate", "standard_rate", "low_rate", "updated_at")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SamplingPlan)
class SamplingPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "iqa", "qualification", "period_start", "period_end")


@admin.register(SampleReview)
class SampleReviewAdmin(ReadOnlyAdmin):
    list_display = ("entry", "iqa", "assessor", "agreed", "signed_at")


@admin.register(AssessorRisk)
class AssessorRiskAdmin(ReadOnlyAdmin):
    list_display = ("assessor", "rating", "set_by", "set_at")


@admin.register(StandardisationRecord)
class StandardisationRecordAdmin(ReadOnlyAdmin):
    list_display = ("topic", "kind", "held_on", "recorded_by")


@admin.register(EqaGrant)
class EqaGrantAdmin(ReadOnlyAdmin):
    list_display = ("eqa", "purpose", "expires_at", "revoked_at")


@admin.register(EqaAccessLog)
class EqaAccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "eqa", "method", "path", "object_ref", "status_code")
    list_filter = ("eqa",)

"""Django admin for people and enrolments: for superusers and staff, not the centre's screens.

Enrolments saved here pass the same unit rule as the services (the database holds the rest).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import Enrolment, EnrolmentUnit, User
from .services import enrolment_units_check


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "is_centre_admin",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("is_centre_admin", "is_staff", "is_superuser", "is_active", "groups")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Permissions",
            {
                "fields": (
                    "is_active",
                    "is_centre_admin",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_centre_admin",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


class EnrolmentUnitFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        enrolment = self.instance
        if enrolment.qualification_id is None:
            return  # the enrolment form already says the qualification is missing
        units = [
            form.cleaned_data["unit"]
            for form in self.forms
            if form.cleaned_data.get("unit") and not form.cleaned_data.get("DELETE")
        ]
        try:
            enrolment_units_check(qualification=enrolment.qualification, units=units)
        except ValidationError as error:
            raise ValidationError(error.message_dict["units"]) from None


class EnrolmentUnitInline(admin.TabularInline):
    model = EnrolmentUnit
    formset = EnrolmentUnitFormSet
    extra = 0
    autocomplete_fields = ("unit",)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = (
        "learner",
        "qualification",
        "assessor",
        "iqa",
        "start_date",
        "planned_end_date",
        "status",
    )
    list_filter = ("status", "qualification", "start_date")
    search_fields = (
        "learner__username",
        "learner__first_name",
        "learner__last_name",
        "learner__email",
        "assessor__username",
        "assessor__last_name",
        "iqa__username",
        "iqa__last_name",
    )
    list_select_related = ("learner", "qualification", "assessor", "iqa")
    autocomplete_fields = ("learner", "assessor", "iqa")
    date_hierarchy = "start_date"
    readonly_fields = ("created_at",)
    inlines = (EnrolmentUnitInline,)

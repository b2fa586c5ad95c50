"""Django admin for people and enrolments: for superusers and staff, not the centre's screens.

Enrolments saved here pass the same unit rule as the services (the database holds the rest).
People follow the same privilege rule as the centre's screens (people/access.py): staff who
are not superusers never see or change a superuser or another staff account, cannot give
anyone (themselves included) staff or superuser rights, and cannot change another centre
admin's credentials. A changed email address is told to the old one, as on the people screens.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.admin_trail import ENROLMENT_KINDS, PERSON_KINDS, AuditedAdmin
from audit.chain import state_of
from audit.hooks import enrolment_with_units

from .access import person_change_refusal, person_locked_fields
from .models import Enrolment, EnrolmentUnit, User
from .services import (
    enrolment_roles_changed,
    enrolment_units_check,
    person_email_change_notify,
)

# Fields only a superuser may set, on anyone: each grants rights in Django admin.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
PERSON_FIELDS_IN_ADMIN = (
    "username",
    "password",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_centre_admin",
)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    audit_kinds = PERSON_KINDS
    audit_noun = "Person"
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

    def audit_state(self, person):
        # Groups and permissions are rights too, though Django keeps them in other tables.
        return {
            **state_of(person),
            "groups": sorted(person.groups.values_list("pk", flat=True)),
            "user_permissions": sorted(person.user_permissions.values_list("pk", flat=True)),
        }

    def get_queryset(self, request):
        people = super().get_queryset(request)
        if request.user.is_superuser:
            return people
        return people.filter(Q(is_superuser=False, is_staff=False) | Q(pk=request.user.pk))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        if obj is not None:
            locked = person_locked_fields(request.user, obj, PERSON_FIELDS_IN_ADMIN)
            # The password stays a widget (a read-only copy would print the hash); changing it
            # is refused in user_change_password.
            fields += [name for name in PERSON_FIELDS_IN_ADMIN if name in locked - {"password"}]
        return fields

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        locked = person_locked_fields(request.user, obj, PERSON_FIELDS_IN_ADMIN)
        return len(locked) < len(PERSON_FIELDS_IN_ADMIN)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not person_change_refusal(request.user, obj, PERSON_FIELDS_IN_ADMIN)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            # Deleting in bulk asks no question per person; staff delete one at a time.
            actions.pop("delete_selected", None)
        return actions

    def user_change_password(self, request, id, form_url=""):
        person = self.get_object(request, unquote(id))
        if person is not None:
            refusal = person_change_refusal(request.user, person, {"password"})
            if refusal:
                raise PermissionDenied(refusal)
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        old_email = form.initial.get("email", "")
        if change and old_email and old_email.lower() != obj.email.lower():
            person_email_change_notify(person=obj, old_email=old_email, by=request.user)


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
class EnrolmentAdmin(AuditedAdmin, admin.ModelAdmin):
    audit_kinds = ENROLMENT_KINDS
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

    def audit_state(self, enrolment):
        return enrolment_with_units(enrolment)

    def save_model(self, request, obj, form, change):
        before = Enrolment.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        # As the enrolment services do: its people's navigation follows their roles at once.
        enrolment_roles_changed(*[e for e in (before, obj) if e is not None])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        enrolment_roles_changed(obj)

    def delete_queryset(self, request, queryset):
        enrolments = list(queryset)
        super().delete_queryset(request, queryset)
        enrolment_roles_changed(*enrolments)


class AuditedDevice(AuditedAdmin):
    """A second factor added, changed or removed in Django admin is a change to the person."""

    audit_kinds = PERSON_KINDS

    def audit_state(self, device):
        # Never the secret, even digested: whose device, what it is called, whether it is on.
        return {"user": device.user_id, "name": device.name, "confirmed": device.confirmed}


class SuperusersOnly:
    """A person's authenticators are theirs: in Django admin only a superuser may see or remove
    them, whatever permissions a staff member holds, or a staff member could strip another
    person's second factor before taking the account over."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


for _model, _admin in ((TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)):
    admin.site.unregister(_model)
    admin.site.register(
        _model, type(f"People{_admin.__name__}", (AuditedDevice, SuperusersOnly, _admin), {})
    )

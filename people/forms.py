"""Forms for the people screens. They check the shape of input; the rules live in services."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm

from criteria.models import Qualification
from nvq_portfolio.ids import ModelMultipleChoiceField

from . import selectors
from .models import Enrolment, User

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_HELP = "For example 23/11/2026 (or 2026-11-23)."


def add_service_errors(form, error):
    """Show a service's ValidationError beside the fields it names; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.username})"


class UnitChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj) if obj.criteria_complete else f"{obj} (criteria not yet loaded)"


def _date_field(label):
    return forms.DateField(
        label=label,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off"}),
        help_text=DATE_HELP,
    )


class EnrolmentFilterForm(forms.Form):
    q = forms.CharField(
        label="Search learners",
        required=False,
        max_length=200,
        help_text="Name, username or email.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Enrolment.Status.choices]
    )
    qualification = forms.ModelChoiceField(
        queryset=Qualification.objects.none(), required=False, empty_label="Any qualification"
    )
    assessor = PersonChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Any assessor"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = selectors.qualifications_for_choice()
        self.fields["assessor"].queryset = selectors.assessors_visible_to(user)

    def filters(self):
        """The filters that are valid; a bad one (say, a stale link) is dropped, not fatal."""
        self.is_valid()
        cleaned = self.cleaned_data
        return {
            "query": cleaned.get("q", "").strip(),
            "status": cleaned.get("status", ""),
            "qualification": cleaned.get("qualification"),
            "assessor": cleaned.get("assessor"),
        }


class QualificationChoiceForm(forms.Form):
    qualification = forms.ModelChoiceField(
        queryset=Qualification.objects.none(),
        to_field_name="code",
        empty_label="Choose a qualification",
        help_text="The next step lists this qualification's units.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = selectors.qualifications_for_choice()


class EnrolmentForm(forms.Form):
    """The changeable parts of an enrolment, for one qualification whose units it offers."""

    units = UnitChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="The units this learner is working towards.",
    )
    assessor = PersonChoiceField(queryset=None)
    iqa = PersonChoiceField(
        queryset=None,
        required=False,
        label="Internal quality assurer (IQA)",
        empty_label="Not assigned yet",
        help_text="Must not be the learner's assessor; they may assess other learners.",
    )
    start_date = _date_field("Start date")
    planned_end_date = _date_field("Planned end date")
    status = forms.ChoiceField(choices=Enrolment.Status.choices, initial=Enrolment.Status.ACTIVE)

    def __init__(self, *args, qualification, enrolment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = qualification.units.all()
        # Keep the people an enrolment already names on offer even if they have since left.
        current = [enrolment.assessor_id, enrolment.iqa_id] if enrolment else []
        people = selectors.staff_for_choice(keep=current)
        if enrolment is not None:
            people = people.exclude(pk=enrolment.learner_id)
        self.fields["assessor"].queryset = people
        self.fields["iqa"].queryset = people


class EnrolmentCreateForm(EnrolmentForm):
    learner = PersonChoiceField(queryset=None)

    field_order = ["learner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learner"].queryset = selectors.people_for_choice()


def enrolment_initial(enrolment):
    return {
        "units": list(enrolment.units.all()),
        "assessor": enrolment.assessor,
        "iqa": enrolment.iqa,
        "start_date": enrolment.start_date,
        "planned_end_date": enrolment.planned_end_date,
        "status": enrolment.status,
    }


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label="Search people",
        required=False,
        max_length=200,
        help_text="Name, username or email.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    role = forms.ChoiceField(
        label="Role",
        required=False,
        choices=[
            ("", "Anyone"),
            ("learner", "Learners"),
            ("assessor", "Assessors"),
            ("iqa", "Internal quality assurers"),
            ("centre_admin", "Centre admins"),
            ("eqa", "External quality assurers"),
            ("none", "People with no enrolment"),
        ],
    )

    def filters(self):
        """The search and role asked for; none when either is not one the list knows."""
        if not self.is_valid():
            return {}
        return {"query": self.cleaned_data["q"].strip(), "role": self.cleaned_data["role"]}


class PersonForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="What they sign in with: letters, digits and @ . + - _ only. "
        "Not case-sensitive: Alice and alice are the same username.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        label="Email address", help_text="They get the link to choose a password here."
    )
    is_centre_admin = forms.BooleanField(
        label="Centre admin",
        required=False,
        help_text="Manages people, enrolments and the unit catalogue.",
    )
    is_external_verifier = forms.BooleanField(
        label="External quality assurer",
        required=False,
        help_text="From the awarding body: reads only what a centre admin grants, read-only.",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="An inactive person cannot sign in; their records stay.",
    )

    def __init__(self, *args, locked=(), **kwargs):
        """`locked`: fields shown but not changeable (their posted values are ignored)."""
        super().__init__(*args, **kwargs)
        for name in locked:
            if name in self.fields:
                self.fields[name].disabled = True


def person_initial(person):
    return {name: getattr(person, name) for name in PersonForm.base_fields}


class EnrolmentImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Comma-separated, UTF-8 (Excel: “CSV UTF-8”), header row first.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label="Dry run: check the file and show what would be imported, without saving",
        required=False,
        initial=True,
    )


class ImportConfirmForm(forms.Form):
    """The one button under a clean dry run: the signed token of the file it checked."""

    held = forms.CharField(widget=forms.HiddenInput, max_length=2000)


class PasswordResetAllowingNewPeopleForm(PasswordResetForm):
    """Password reset that also serves people who have never had a password.

    Django's form skips accounts with an unusable password, which is how a person created by a
    centre admin or an import starts; without this they could never choose one.
    """

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True).exclude(email="")


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now, or a recovery code.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )


class TwoFactorSetupForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=10,
        help_text="The 6-digit code the app shows after you add the account.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class NoticeEmailForm(forms.Form):
    """How a person hears of their notices by email."""

    daily_digest = forms.TypedChoiceField(
        label="Email me about notices",
        choices=[
            ("off", "As each one arrives"),
            ("on", "Once a day: one email listing the day's notices"),
        ],
        coerce=lambda value: value == "on",
        widget=forms.RadioSelect,
    )

from django import forms

from .models import AuditRecord, CentreSettings


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened",
        choices=[("", "Everything")] + list(AuditRecord.Kind.choices),
        required=False,
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the range cannot be before its start.")
        return cleaned

    def filters(self):
        data = self.cleaned_data
        kind = data.get("kind")
        return {
            "kinds": [kind] if kind else (),
            "since": data.get("since"),
            "until": data.get("until"),
        }


class CentreSettingsForm(forms.ModelForm):
    class Meta:
        model = CentreSettings
        fields = ["retention_years"]

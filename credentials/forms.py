from django import forms

from .verification import MAX_CREDENTIAL_BYTES


class VerifyForm(forms.Form):
    """A credential pasted as JSON or given as its file: one of the two."""

    credential = forms.CharField(
        label="The credential's JSON",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=MAX_CREDENTIAL_BYTES,
    )
    credential_file = forms.FileField(label="Or its file", required=False)

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("credential"), cleaned.get("credential_file")
        if self.errors:
            return cleaned
        if not text and not upload:
            raise forms.ValidationError("Paste the credential's JSON or choose its file.")
        if upload is not None:
            if upload.size > MAX_CREDENTIAL_BYTES:
                raise forms.ValidationError("That file is larger than any credential we issue.")
            cleaned["content"] = upload.read()
        else:
            cleaned["content"] = text
        return cleaned

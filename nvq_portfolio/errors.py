"""Showing a service's refusal to the person: on the form beside the field it names, or as
messages at the top of the page. Services raise ValidationError; views call one of these."""

from django.contrib import messages


def errors_to_form(form, error):
    """Put a ValidationError on `form`: per field where it names one the form has."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def errors_to_messages(request, error):
    for message in error.messages:
        messages.error(request, message)

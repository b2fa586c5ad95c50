from django import template
from django.utils.html import format_html

from submissions.once import FIELD, new_token

register = template.Library()


@register.simple_tag
def submission_token():
    """A hidden field with a new one-time token, for a form whose view is @saved_once."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())

from django import template
from django.utils.html import format_html

from submissions.once import FIELD, new_token

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_token(context):
    """A hidden field with a new one-time token, for a form whose view is @saved_once. In a
    page being cached, a placeholder that each serving of the page replaces with a new token."""
    from page_cache.pages import TOKEN_PLACEHOLDER, recording

    token = TOKEN_PLACEHOLDER if recording(context) else new_token()
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token)

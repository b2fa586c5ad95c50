from django import template
from django.core.exceptions import ValidationError

from evidence.services import require_file_changes_allowed

register = template.Library()


@register.filter
def answers(typed_template, content):
    """A typed template's (label, answer) pairs for `content`, in the template's order."""
    if typed_template is None or not content:
        return []
    return typed_template.answers(content)


@register.filter
def files_changeable_by(item, user):
    """Whether `user` may add or remove files on `item`: the services' own rule, asked."""
    try:
        require_file_changes_allowed(item, user)
    except ValidationError:
        return False
    return True

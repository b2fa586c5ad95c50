from django import template

from evidence import rules

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
    return rules.item_refusal(item, user, rules.FILES) is None


@register.filter
def refusal_for(lock, what):
    """Why `what` cannot change while a standing sign-off relies on it, in the services' words."""
    return lock.refusal(what) if lock else ""

"""`{% error_summary %}`: after a failed POST, every error on the page in one list at the top,
each linked to its field. base.html holds the one tag, so every form page gets it without a
line of its own: it finds the bound forms the view put in the context (forms, formsets, lists
of forms) and lists their errors in the order the view gave them."""

from django import forms, template
from django.forms.formsets import BaseFormSet

register = template.Library()


def _forms_in(value):
    # type(), not isinstance(): isinstance would build a lazy value (a cached page's data).
    kind = type(value)
    if issubclass(kind, forms.BaseForm):
        return [value]
    if issubclass(kind, BaseFormSet):
        return [value, *value.forms] if value.is_bound else []
    if issubclass(kind, list | tuple) and value and issubclass(type(value[0]), forms.BaseForm):
        return list(value)
    return []


def field_anchor(bound_field):
    """The id of the control an error on this field should lead to. A group of radios or
    checkboxes is led to by its container, `div_<id>` as crispy names it (a template that draws
    a group itself gives it that id); js/site.js moves the focus to its first control."""
    if bound_field.is_hidden or not bound_field.auto_id:
        return ""
    if isinstance(bound_field.field.widget, forms.RadioSelect):
        return f"div_{bound_field.auto_id}"
    return bound_field.id_for_label


def problems(context):
    """[(anchor or "", label or "", message)] for every error of every bound form in context."""
    seen, found = set(), []
    for value in context.flatten().values():
        for form in _forms_in(value):
            if id(form) in seen or not form.is_bound:
                continue
            seen.add(id(form))
            if isinstance(form, BaseFormSet):
                found.extend(("", "", message) for message in form.non_form_errors())
                continue
            if not form.errors:
                continue
            found.extend(("", "", message) for message in form.non_field_errors())
            for bound_field in form:
                for message in bound_field.errors:
                    found.append((field_anchor(bound_field), bound_field.label, message))
            for name in form.errors:
                if name != forms.forms.NON_FIELD_ERRORS and name not in form.fields:
                    found.extend(("", "", message) for message in form.errors[name])
    return found


@register.inclusion_tag("includes/error_summary.html", takes_context=True)
def error_summary(context):
    return {"problems": problems(context)}

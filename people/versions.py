"""The version of an enrolment's portfolio: a number every change to it moves on.

Pages that are costly to build for one learner (the progress page's matrix, a caseload row's
status, the IQA's view of a plan) are cached under a key holding this version, so a cached
copy is never stale: every service that changes an enrolment's evidence, mappings, files,
review, feedback, judgements, sign-offs or targets is decorated with `changes_portfolio`,
which moves the version on inside the service's transaction. Writes made outside the services
(the Django admin, a shell) do not; a cached copy also expires after CACHE_SECONDS.
"""

import functools

from django.core.cache import cache
from django.db.models import F

from nvq_portfolio import todo_count

from .models import Enrolment

CACHE_SECONDS = 24 * 60 * 60


def portfolio_changed(enrolment_id):
    Enrolment.objects.filter(pk=enrolment_id).update(portfolio_version=F("portfolio_version") + 1)


def changes_portfolio(enrolment_of):
    """Decorate a service whose keyword arguments name what it changes: `enrolment_of(**kwargs)`
    gives the enrolment's id, whose version moves on once the service has done its work."""

    def decorate(service):
        @functools.wraps(service)
        def changed(*args, **kwargs):
            result = service(*args, **kwargs)
            portfolio_changed(enrolment_of(**kwargs))
            # What waits for the person who made the change may have moved with it.
            by = kwargs.get("by")
            todo_count.forget(getattr(by, "pk", None))
            return result

        return changed

    return decorate


# What each kind of service is given, to its enrolment's id.
def of_enrolment(*, enrolment, **_):
    return enrolment.pk


def of_item(*, item, **_):
    return item.enrolment_id


def of_mapping(*, mapping, **_):
    return mapping.item.enrolment_id


def of_file(*, evidence_file, **_):
    return evidence_file.item.enrolment_id


def of_enrolled_unit(*, enrolled_unit, **_):
    return enrolled_unit.enrolment_id


def of_sign_off(*, sign_off, **_):
    return sign_off.enrolled_unit.enrolment_id


def of_target(*, target, **_):
    return target.enrolment_id


def cached(key, build, *, version):
    """`build()` cached under `key` at `version`: built again once the version moves on."""
    full_key = f"{key}:v{version}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, CACHE_SECONDS)
    return value

"""The portfolio exported as LEAP2A, for the learner to take to another e-portfolio."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from people.access import Role, enrolment_for_user, enrolment_role

from .leap2a import portfolio_leap2a

# The learner's own portfolio, and their assessor's copy of it; quality assurers sample
# within the site and an EQA's grant covers some units only, never a whole portfolio.
EXPORTERS = {Role.LEARNER, Role.ASSESSOR}


def leap2a(request, enrolment_pk):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    if enrolment_role(request.user, enrolment) not in EXPORTERS:
        raise PermissionDenied("Only the learner and their assessor can export the portfolio.")
    response = HttpResponse(portfolio_leap2a(enrolment), content_type="application/atom+xml")
    name = f"portfolio-{enrolment.learner.username}-leap2a.xml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

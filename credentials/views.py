"""The credential's public pages (no sign-in: anyone shown a credential may check it) and the
learner's download. Each reads: load, authorise, act, render."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from people.access import Role, role_on_enrolment

from . import documents, selectors
from .forms import VerifyForm
from .models import Credential
from .verification import credential_verify_text

JSON_LD = "application/ld+json"


@login_not_required
@require_GET
def issuer(request):
    """The issuer's profile with every key it signs with (or signed with) as a Multikey and JWK."""
    return JsonResponse(selectors.issuer_profile(), content_type=JSON_LD)


@login_not_required
@require_GET
def status(request, public_id):
    credential = get_object_or_404(Credential, public_id=public_id)
    answer = {
        "id": request.build_absolute_uri(),
        "credential": credential.urn,
        "status": "revoked" if credential.is_revoked else "active",
    }
    if credential.is_revoked:
        answer["revokedAt"] = documents.iso_utc(credential.revoked_at)
    return JsonResponse(answer)


@login_not_required
@require_GET
def verify_stored(request, public_id):
    credential = get_object_or_404(Credential, public_id=public_id)
    verdict = credential_verify_text(credential.document)
    return render(
        request,
        "credentials/verdict.html",
        {"verdict": verdict, "summary": selectors.credential_summary(credential)},
    )


# Verifying changes nothing and a verifier's program has no session to carry a CSRF token.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """A credential checked: JSON in, JSON out for programs; a form and a page for people."""
    if request.method == "POST" and request.content_type in ("application/json", JSON_LD):
        verdict = credential_verify_text(request.body)
        return JsonResponse({"status": verdict.status, "reasons": verdict.reasons})
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    if form.is_bound and form.is_valid():
        verdict = credential_verify_text(form.cleaned_data["content"])
        summary = selectors.credential_summary(verdict.credential) if verdict.credential else None
        return render(request, "credentials/verdict.html", {"verdict": verdict, "summary": summary})
    return render(
        request, "credentials/verify.html", {"form": form}, status=400 if form.errors else 200
    )


def download(request, public_id):
    credential = get_object_or_404(
        Credential.objects.select_related(
            "sign_off__enrolled_unit__unit", "sign_off__enrolled_unit__enrolment"
        ),
        public_id=public_id,
    )
    enrolment = credential.sign_off.enrolled_unit.enrolment
    role_on_enrolment(request.user, enrolment, change=True, roles={Role.LEARNER}, what="credential")
    if credential.is_revoked:
        raise Http404("This credential was revoked when the unit was reopened.")
    unit = credential.sign_off.enrolled_unit.unit
    response = HttpResponse(credential.document.encode(), content_type=JSON_LD)
    name = f"credential-{unit.slug}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

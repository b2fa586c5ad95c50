"""Changing what the suggester knows: accepting a suggestion (through the evidence mapping
service), dismissing one, and reading an item's files into text once."""

from django.core.exceptions import ValidationError
from django.db import transaction

from evidence import rules
from evidence.mapping import target_from_key
from evidence.services import criteria_open_to, evidence_mapping_add
from nvq_portfolio.stored_files import open_for_download

from .extract import ExtractionError, extract_text
from .models import DismissedSuggestion, ExtractedText

# Files whose words are read: plain text, CSV, PDF and Word .docx.
READABLE_TYPES = {
    "text/plain",
    "text/csv",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _open_target(item, key):
    """The (criterion, part) of picker key `key`, if it is one of the item's open criteria."""
    criterion, part = target_from_key(key or "")
    if not criteria_open_to(item.enrolment).filter(pk=criterion.pk).exists():
        raise ValidationError("That criterion is not in any of this portfolio's units.")
    return criterion, part


def suggestion_accept(*, item, by, key, note=""):
    """Map `item` to the suggested target, exactly as ticking it on the mapping page would."""
    criterion, part = _open_target(item, key)
    return evidence_mapping_add(item=item, by=by, criterion=criterion, part=part, note=note[:500])


@transaction.atomic
def suggestion_dismiss(*, item, by, key):
    """Remember that `item` does not show the target, so it is not suggested for it again."""
    rules.require(item, by, rules.MAP)
    criterion, part = _open_target(item, key)
    earlier = DismissedSuggestion.objects.filter(item=item, criterion=criterion, part=part)
    if dismissal := earlier.first():
        return dismissal
    dismissal = DismissedSuggestion(item=item, criterion=criterion, part=part, dismissed_by=by)
    dismissal.full_clean()
    dismissal.save()
    return dismissal


def file_texts_read(*, item):
    """Read the words of the item's live files not read before; keep them (one insert).

    Reading is bounded (suggestions/extract.py); a file that cannot be read is kept with the
    reason, shown on the mapping page, so it is not tried again on every visit.
    """
    files = list(
        item.files.filter(removed_at__isnull=True, content_type__in=READABLE_TYPES).exclude(
            pk__in=ExtractedText.objects.filter(file__item=item).values("file")
        )
    )
    read = []
    for evidence_file in files:
        text, problem = "", ""
        try:
            with open_for_download(evidence_file.file) as stream:
                text = extract_text(stream, evidence_file.original_name)
        except ExtractionError as error:
            problem = str(error)[:300]
        except OSError:
            problem = f"“{evidence_file.original_name}” could not be opened to read its words."
        read.append(ExtractedText(file=evidence_file, text=text, problem=problem))
    if read:
        # Two pages opened at once may both read a file: the second insert is dropped.
        ExtractedText.objects.bulk_create(read, ignore_conflicts=True)
    return read

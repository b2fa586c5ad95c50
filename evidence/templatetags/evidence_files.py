"""What the upload area and file list show: the upload limits and the names of file types."""

from django import template
from django.conf import settings

from ..models import EvidenceItem
from ..sniffing import ACCEPTED_GROUPS, ACCEPTED_TYPES, SPREADSHEET_TYPES
from ..uploads import max_file_size_text

register = template.Library()


@register.simple_tag
def evidence_upload_limits():
    """For `{% evidence_upload_limits as limits %}`: limits.max_file_size (bytes), ..._text."""
    return {
        "max_file_size": settings.EVIDENCE_MAX_FILE_SIZE,
        "max_file_size_text": max_file_size_text(),
        "accepted_groups": ACCEPTED_GROUPS,
    }


@register.filter
def evidence_file_type(content_type):
    """The name people use for a content type: "PDF document" for application/pdf."""
    file_type = ACCEPTED_TYPES.get(content_type)
    return file_type.name if file_type else content_type


@register.filter
def evidence_file_previews(content_type):
    """Whether the browser shows this type itself (PDF, images, audio, video)."""
    file_type = ACCEPTED_TYPES.get(content_type)
    return bool(file_type and file_type.preview)


@register.filter
def any_spreadsheet(files):
    """Whether any of these files (evidence files or documents) opens as a spreadsheet."""
    return any(file.content_type in SPREADSHEET_TYPES for file in files)


@register.filter
def current_evidence_files(files_or_item):
    """The files in a working copy: from an item, or from the files its page already fetched."""
    if isinstance(files_or_item, EvidenceItem):
        files_or_item = files_or_item.files.all()
    return [evidence_file for evidence_file in files_or_item if evidence_file.removed_at is None]

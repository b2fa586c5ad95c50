"""Writing a portable portfolio's ZIP: each evidence file streamed from storage into the
archive a megabyte at a time (ZIP64, so no size limit), never held whole in memory, and its
SHA-256 checked against the record as it passes."""

import hashlib
import json
import shutil
import zipfile

from django.template.loader import render_to_string

from evidence.models import EvidenceFile
from nvq_portfolio.stored_files import open_for_download

from .manifest import files_of

CHUNK = 1024 * 1024


class ExportFailed(Exception):
    """The portfolio cannot be exported as it stands; the message says why."""


class _Hashing:
    """A file-like reader that hashes what passes through it."""

    def __init__(self, stream):
        self.stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def dumps(data):
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_portfolio_zip(target, manifest, *, coverage=(), extra=(), progress=None):
    """Write the archive to `target` (a path or a binary file open for writing).

    `coverage` is [(name, pdf bytes)] and `extra` [(name, text)] for other members, such as a
    subject access export's personal-data.json.
    """
    listed = list(files_of(manifest))
    stored = EvidenceFile.objects.in_bulk([entry["id"] for _, _, entry in listed])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for done, (_, item, entry) in enumerate(listed, start=1):
            _copy_file(zf, stored[entry["id"]], entry, item)
            if progress:
                progress(10 + int(70 * done / len(listed)), "Copying evidence files")
        zf.writestr("manifest.json", dumps(manifest))
        for name, body in coverage:
            zf.writestr(name, body)
        for name, text in extra:
            zf.writestr(name, text)
        zf.writestr(
            "index.html",
            render_to_string(
                "portability/index.html",
                {"manifest": manifest, "coverage": [name for name, _ in coverage]},
            ),
        )


def _copy_file(zf, evidence_file, entry, item):
    # Stored, not deflated: evidence is mostly PDFs, photos and Office files, already compressed.
    info = zipfile.ZipInfo(entry["path"])
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = entry["size"]
    with open_for_download(evidence_file.file) as source:
        reader = _Hashing(source)
        with zf.open(info, "w", force_zip64=True) as member:
            shutil.copyfileobj(reader, member, CHUNK)
    if reader.sha256.hexdigest() != entry["sha256"] or reader.size != entry["size"]:
        raise ExportFailed(
            f"The stored file “{entry['original_name']}” of “{item['title']}” no longer matches "
            "its recorded SHA-256: the portfolio cannot be exported until it is restored."
        )

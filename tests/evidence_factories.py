"""Evidence for tests: items made through the services, and small real files of each type.

Items go through evidence.services.evidence_item_create and files through
evidence.uploads.evidence_file_add, so they obey the same rules as a learner's own. The
`*_bytes` builders make the smallest real files the sniffer recognises: build a PDF, a Word
document or an OpenDocument file here rather than writing bytes by hand in a test.
"""

import datetime
import io
import struct
import zipfile
import zlib

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from evidence.models import AssessmentMethod, EvidenceItem, EvidenceType
from evidence.services import criteria_open_to, evidence_item_create, evidence_mapping_add
from evidence.services import evidence_submit as _evidence_submit
from evidence.uploads import HashingTemporaryFileUploadHandler, evidence_file_add

from .factories import EnrolmentFactory

ACTIVITY_DATE = datetime.date(2026, 10, 14)


class EvidenceItemFactory(factory.django.DjangoModelFactory):
    """A draft made by the enrolment's learner: EvidenceItemFactory(enrolment=alice_enrolment)."""

    class Meta:
        model = EvidenceItem

    enrolment = factory.SubFactory(EnrolmentFactory)
    title = factory.Sequence(lambda n: f"Customer feedback log {n + 1}")
    description = "The log I keep of feedback from internal customers."
    activity_date = ACTIVITY_DATE
    evidence_type = EvidenceType.FEEDBACK_LOG
    assessment_method = AssessmentMethod.WORK_PRODUCT

    @classmethod
    def _create(cls, model_class, *, enrolment, **fields):
        return evidence_item_create(enrolment=enrolment, by=enrolment.learner, **fields)


def submit(item):
    """Map a draft to the first open criterion without sub-parts and submit it; the version."""
    learner = item.enrolment.learner
    if not item.mappings.exists():
        criterion = criteria_open_to(item.enrolment).filter(parts__isnull=True).first()
        evidence_mapping_add(item=item, by=learner, criterion=criterion)
    return _evidence_submit(item=item, by=learner, declaration=True)


def upload(name, content, content_type="application/octet-stream"):
    """An uploaded file as a view receives it; the browser's content type is never trusted."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def add_file(item, name="report.pdf", content=None):
    """Store a file on a draft as its learner would; returns the EvidenceFile."""
    content = pdf_bytes() if content is None else content
    evidence_file, _ = evidence_file_add(
        item=item, upload=upload(name, content), by=item.enrolment.learner
    )
    return evidence_file


class RecordingTemporaryFileUploadHandler(HashingTemporaryFileUploadHandler):
    """The handler that writes uploads to temporary files, noting the most bytes it wrote to
    one file and where the last one was: to show what reached the disk."""

    largest = 0
    last_path = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        type(self).last_path = self.file.temporary_file_path()

    def receive_data_chunk(self, raw_data, start):
        type(self).largest = max(type(self).largest, start + len(raw_data))
        return super().receive_data_chunk(raw_data, start)


def with_recording_temporary_files(settings):
    """settings.FILE_UPLOAD_HANDLERS, the temporary-file handler swapped for the recording one."""
    RecordingTemporaryFileUploadHandler.largest = 0
    RecordingTemporaryFileUploadHandler.last_path = None
    recording = f"{__name__}.RecordingTemporaryFileUploadHandler"
    return [
        recording if handler.endswith("TemporaryFileUploadHandler") else handler
        for handler in settings.FILE_UPLOAD_HANDLERS
    ]


def pdf_bytes(text="Witness statement"):
    """A one-page PDF with its cross-reference table, as small as a real one gets."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def png_bytes(rgb=(0, 94, 165)):
    """A 1×1 PNG of one colour."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


OOXML = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheets/></workbook>",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
    ),
}


def office_bytes(kind="docx", text="Minutes of a one-to-one meeting", macros=False):
    """A Word, Excel or PowerPoint file (kind "docx", "xlsx" or "pptx"), optionally with macros."""
    part, part_type, body = OOXML[kind]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{part_type}"/></Types>'
    )
    relationships = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{part}"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", relationships)
        archive.writestr(part, body.format(text=text))
        if macros:
            archive.writestr(f"{part.split('/')[0]}/vbaProject.bin", b"\x00" * 64)
    return out.getvalue()


def docx_bytes(text="Minutes of a one-to-one meeting"):
    return office_bytes("docx", text)


def opendocument_bytes(kind="text", text="Reflective account"):
    """An OpenDocument file (kind "text", "spreadsheet" or "presentation"): `mimetype` first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            f"application/vnd.oasis.opendocument.{kind}",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            f'office:1.0" office:version="1.3"><office:body>{text}</office:body>'
            "</office:document-content>",
        )
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="/" '
            f'manifest:media-type="application/vnd.oasis.opendocument.{kind}"/>'
            "</manifest:manifest>",
        )
    return out.getvalue()


def odt_bytes(text="Reflective account"):
    return opendocument_bytes("text", text)


def zip_bytes(files=None):
    """A plain ZIP archive of a few files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (files or {"notes.txt": "notes", "photo.txt": "photo"}).items():
            archive.writestr(name, content)
    return out.getvalue()


def compound_file_bytes(*stream_names):
    """A minimal OLE2 compound file (the container of .doc, .xls and .ppt) with named streams.

    Only the header, one FAT sector and one directory sector: enough for a sniffer, which reads
    the names to tell a Word document (WordDocument) from an installer or an Outlook message.
    """
    sector = 512
    end_of_chain, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = struct.pack("<II", fat_sector, end_of_chain) + struct.pack("<I", free) * 126

    def entry(name, kind, child=free, right=free):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, right, child)
            + bytes(16 + 4 + 8 + 8)
            + struct.pack("<IQ", end_of_chain, 0)
        )

    names = list(stream_names)[:3]
    entries = [entry("Root Entry", 5, child=1 if names else free)]
    for index, name in enumerate(names, start=1):
        entries.append(entry(name, 2, right=index + 1 if index < len(names) else free))
    directory = b"".join(entries).ljust(sector, b"\x00")
    return header + fat + directory


def text_bytes(lines=("Notes from the team meeting", "Actions agreed: three")):
    return ("\n".join(lines) + "\n").encode()


def csv_bytes(rows=(("date", "customer", "feedback"), ("2026-10-14", "Post room", "Quick"))):
    return "".join(",".join(row) + "\r\n" for row in rows).encode()


# Hostile files, written to disk in blocks so that building a 99 MB one costs this process
# little memory and well under a second.

OLE_SECTOR = 512
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def looping_compound_file(path, size, *, fat_sectors=None):
    """An OLE2 file of `size` bytes (a .doc's container) whose DIFAT chain runs through every
    sector and then loops back to its start.

    Its header claims as many FAT sectors as a file of this size could hold (or `fat_sectors`),
    so it is plausible to a parser that checks that; each DIFAT sector lists 127 "FAT sectors"
    and points to the next one. A parser that follows the chain keeps 127 numbers for every
    sector of the file: the file that cost 43 s and 1 GB before refusal.
    """
    sectors = size // OLE_SECTOR - 1
    fat_sectors = fat_sectors or -(-sectors // (OLE_SECTOR // 4))
    difat_sectors = (fat_sectors - 109 + 126) // 127
    end_of_chain, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = OLE_SIGNATURE + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, fat_sectors, 0, 0, 4096, end_of_chain, 0, 1, 0)
    header = header[:-4] + struct.pack("<I", difat_sectors)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    with open(path, "wb") as out:
        out.write(header)
        out.write(struct.pack("<128I", *range(1, 129)))  # sector 0: a FAT sector
        block = []
        for sector in range(1, sectors):
            following = sector + 1 if sector + 1 < sectors else 1
            block.append(struct.pack("<I", sector + 1000) * 127 + struct.pack("<I", following))
            if len(block) == 2048:
                out.write(b"".join(block))
                block = []
        out.write(b"".join(block))
    return path


def zip_bomb(path, *, members=20, member_size=100 * 1024 * 1024):
    """A Word document (by its parts) with `members` parts of `member_size` zero bytes each:
    a few megabytes that would unpack to gigabytes. Written by hand because compressing the
    same zeros once per member with zipfile would take seconds."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    chunk = bytes(1024 * 1024)
    compressed, crc = [], 0
    for _ in range(member_size // len(chunk)):
        compressed.append(compressor.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    compressed.append(compressor.flush())
    data = b"".join(compressed)
    parts = [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]
    directory, offset = [], 0
    with open(path, "wb") as out:
        for name, content in parts:
            offset += _zip_member(out, directory, offset, name.encode(), content, None, None)
        for number in range(members):
            name = f"word/media/image{number}.bin".encode()
            offset += _zip_member(out, directory, offset, name, data, crc, member_size)
        central = b"".join(directory)
        out.write(central)
        out.write(
            b"PK\x05\x06"
            + struct.pack("<HHHHIIH", 0, 0, len(directory), len(directory), len(central), offset, 0)
        )
    return path


def _zip_member(out, directory, offset, name, data, crc, size):
    """Write one member (stored when crc is None, else already deflated); its length."""
    method = 0 if crc is None else 8
    if crc is None:
        crc, size = zlib.crc32(data), len(data)
    fields = struct.pack("<HHHHHIII", 20, 0, method, 0, 0x21, crc, len(data), size)
    local = b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name
    out.write(local)
    out.write(data)
    directory.append(
        b"PK\x01\x02"
        + struct.pack("<H", 20)
        + fields
        + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset)
        + name
    )
    return len(local) + len(data)


def large_compound_file(path, stream_size):
    """A well-formed OLE2 file holding one WordDocument stream of `stream_size` bytes: over
    6.8 MB its FAT no longer fits the header's list, so it needs a DIFAT, as large real .doc
    files do. For showing that the bounds on hostile files leave real ones readable."""
    per_sector = OLE_SECTOR // 4
    end_of_chain, free, fat_mark, difat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC
    stream_sectors = -(-stream_size // OLE_SECTOR)
    fat_sectors = difat_sectors = 0
    while True:  # the FAT describes every sector, its own and the DIFAT's among them
        total = fat_sectors + difat_sectors + 1 + stream_sectors
        needed = -(-total // per_sector)
        needed_difat = max(0, -(-(needed - 109) // (per_sector - 1)))
        if (needed, needed_difat) == (fat_sectors, difat_sectors):
            break
        fat_sectors, difat_sectors = needed, needed_difat
    directory = fat_sectors + difat_sectors
    first_stream = directory + 1
    fat = [fat_mark] * fat_sectors + [difat_mark] * difat_sectors + [end_of_chain]
    fat += list(range(first_stream + 1, first_stream + stream_sectors)) + [end_of_chain]
    fat += [free] * (fat_sectors * per_sector - len(fat))
    fat_list = list(range(fat_sectors))
    header = OLE_SIGNATURE + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack(
        "<IIIIIIIII",
        0,
        fat_sectors,
        directory,
        0,
        4096,
        end_of_chain,
        0,
        fat_sectors if difat_sectors else end_of_chain,
        difat_sectors,
    )
    header += struct.pack("<109I", *(fat_list[:109] + [free] * (109 - len(fat_list[:109]))))
    rest = fat_list[109:]
    difat = b""
    for number in range(difat_sectors):
        entries = rest[number * 127 : (number + 1) * 127]
        following = fat_sectors + number + 1 if number + 1 < difat_sectors else end_of_chain
        difat += struct.pack("<128I", *entries, *[free] * (127 - len(entries)), following)

    def entry(name, kind, *, child=free, start=end_of_chain, size=0):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, free, child)
            + bytes(16 + 4 + 8 + 8)
            + struct.pack("<IQ", start, size)
        )

    entries = entry("Root Entry", 5, child=1) + entry(
        "WordDocument", 2, start=first_stream, size=stream_size
    )
    with open(path, "wb") as out:
        out.write(header)
        out.write(struct.pack(f"<{len(fat)}I", *fat))
        out.write(difat)
        out.write(entries.ljust(OLE_SECTOR, b"\x00"))
        block = bytes(1024 * 1024)
        for _ in range(stream_sectors * OLE_SECTOR // len(block)):
            out.write(block)
        out.write(bytes(stream_sectors * OLE_SECTOR % len(block)))
    return path

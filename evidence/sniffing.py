"""What an uploaded file really is, judged from its bytes: never from its name or the browser.

Maintained, fuzzed libraries do the identifying: libmagic (Debian's libmagic1, through
python-magic) names the type from the file's first bytes, olefile reads the directory of a
legacy Office file, zipfile the directory of an OOXML or OpenDocument one. The portfolio keeps
its own allow-list, and the sentences that tell a learner what their file really is and what
to do instead.

Every inspection is bounded in bytes read, time and memory by construction, whatever the file
claims about itself:
- libmagic sees only the first HEAD_SIZE bytes;
- a ZIP's end record (at most 64 KB) is read first, and a directory over MAX_ZIP_DIRECTORY or
  MAX_ZIP_ENTRIES is refused before zipfile reads it; no part is unpacked but 100 bytes of an
  OpenDocument's `mimetype`, and one that would unpack to over MAX_ZIP_UNPACKED is refused;
- olefile is stopped before it follows a FAT larger than the file could need, or a directory
  over MAX_OLE_DIRECTORY, so it reads at most the FAT (1/128 of the file) and that directory;
- text is read in TEXT_CHUNK_SIZE blocks, at most the upload size limit, and kept no longer.
So time grows at most with the size limit, and memory stays within a few megabytes.
"""

import codecs
import csv
import io
import re
import struct
import zipfile
from dataclasses import dataclass

import magic
import olefile

from .dangerous_names import dangerous_extension, extension_acted_on

HEAD_SIZE = 64 * 1024
TEXT_CHUNK_SIZE = 64 * 1024
CSV_SAMPLE_SIZE = 8192


@dataclass(frozen=True)
class FileType:
    content_type: str
    name: str
    short_name: str
    group: str
    extensions: tuple[str, ...]
    # Names ending in any extension of the same family are fine: Word opens a .doc that is
    # really a .docx, and image viewers and media players look at the bytes too.
    family: str
    # Shown in the browser rather than saved: only types browsers render without scripts.
    preview: bool = False

    @property
    def described(self):
        """The name with its article, for sentences: "a PDF document", "an MP3 audio file"."""
        name = self.name[0].lower() + self.name[1:] if self.name.startswith("Text") else self.name
        article = "an" if name[0] in "AEIOU" or name.startswith(("MP", "M4")) else "a"
        return f"{article} {name}"


# The allow-list, in the order the upload page lists it.
ACCEPTED_TYPES = {
    file_type.content_type: file_type
    for file_type in [
        FileType("application/pdf", "PDF document", "PDF", "Documents", ("pdf",), "pdf", True),
        FileType(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word document",
            "Word",
            "Documents",
            ("docx",),
            "word",
        ),
        FileType(
            "application/msword", "Word 97–2003 document", "Word", "Documents", ("doc",), "word"
        ),
        FileType(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel workbook",
            "Excel",
            "Documents",
            ("xlsx",),
            "excel",
        ),
        FileType(
            "application/vnd.ms-excel",
            "Excel 97–2003 workbook",
            "Excel",
            "Documents",
            ("xls",),
            "excel",
        ),
        FileType(
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "PowerPoint presentation",
            "PowerPoint",
            "Documents",
            ("pptx", "ppsx"),
            "powerpoint",
        ),
        FileType(
            "application/vnd.ms-powerpoint",
            "PowerPoint 97–2003 presentation",
            "PowerPoint",
            "Documents",
            ("ppt", "pps"),
            "powerpoint",
        ),
        FileType(
            "application/vnd.oasis.opendocument.text",
            "OpenDocument text",
            "OpenDocument text",
            "Documents",
            ("odt",),
            "odt",
        ),
        FileType(
            "application/vnd.oasis.opendocument.spreadsheet",
            "OpenDocument spreadsheet",
            "OpenDocument spreadsheet",
            "Documents",
            ("ods",),
            "ods",
        ),
        FileType(
            "application/vnd.oasis.opendocument.presentation",
            "OpenDocument presentation",
            "OpenDocument presentation",
            "Documents",
            ("odp",),
            "odp",
        ),
        FileType(
            "image/jpeg",
            "JPEG image",
            "JPEG",
            "Images",
            ("jpg", "jpeg", "jpe", "jfif"),
            "image",
            True,
        ),
        FileType("image/png", "PNG image", "PNG", "Images", ("png",), "image", True),
        FileType("image/gif", "GIF image", "GIF", "Images", ("gif",), "image", True),
        FileType("image/webp", "WebP image", "WebP", "Images", ("webp",), "image", True),
        FileType("image/heic", "HEIC image", "HEIC", "Images", ("heic",), "image", True),
        FileType("image/heif", "HEIF image", "HEIF", "Images", ("heif", "hif"), "image", True),
        FileType("audio/mpeg", "MP3 audio file", "MP3", "Audio", ("mp3",), "media", True),
        FileType("audio/wav", "WAV audio file", "WAV", "Audio", ("wav",), "media", True),
        FileType(
            "audio/ogg", "Ogg audio file", "OGG", "Audio", ("ogg", "oga", "opus"), "media", True
        ),
        FileType("audio/mp4", "M4A audio file", "M4A", "Audio", ("m4a", "m4b"), "media", True),
        FileType("audio/aac", "AAC audio file", "AAC", "Audio", ("aac",), "media", True),
        FileType("audio/flac", "FLAC audio file", "FLAC", "Audio", ("flac",), "media", True),
        FileType("video/mp4", "MP4 video", "MP4", "Video", ("mp4", "m4v"), "media", True),
        FileType(
            "video/quicktime", "QuickTime video", "MOV", "Video", ("mov", "qt"), "media", True
        ),
        FileType("video/3gpp", "3GP video", "3GP", "Video", ("3gp", "3g2"), "media", True),
        FileType("video/webm", "WebM video", "WebM", "Video", ("webm",), "media", True),
        FileType("video/x-matroska", "Matroska video", "MKV", "Video", ("mkv",), "media", True),
        FileType("video/x-msvideo", "AVI video", "AVI", "Video", ("avi",), "media", True),
        FileType("text/plain", "Text file", "plain text", "Text", ("txt", "text"), "text"),
        FileType("text/csv", "CSV table", "CSV", "Text", ("csv",), "text"),
    ]
}


def _accepted_groups():
    groups = {}
    for file_type in ACCEPTED_TYPES.values():
        names = groups.setdefault(file_type.group, [])
        if file_type.short_name not in names:
            names.append(file_type.short_name)
    return tuple((group, tuple(names)) for group, names in groups.items())


# For the upload page and for refusals: [("Documents", ("PDF", "Word", ...)), ...].
ACCEPTED_GROUPS = _accepted_groups()
# Types a spreadsheet program opens as cells: one starting with = + - or @ may run as a formula
# there. They are kept exactly as uploaded (their digests are signed), are never previews (so
# the browser never opens them), and the pages that list them say formulas are not checked.
SPREADSHEET_TYPES = frozenset(
    {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)

ACCEPTED_SUMMARY = "; ".join(f"{group}: {', '.join(names)}" for group, names in ACCEPTED_GROUPS)

_FAMILY_EXTENSIONS = {}
for _file_type in ACCEPTED_TYPES.values():
    _FAMILY_EXTENSIONS.setdefault(_file_type.family, set()).update(_file_type.extensions)
_KNOWN_EXTENSIONS = set().union(*_FAMILY_EXTENSIONS.values())


@dataclass(frozen=True)
class Sniffed:
    """The accepted type of a file, or why it is refused (a sentence for the learner)."""

    file_type: FileType | None = None
    refusal: str = ""


@dataclass(frozen=True)
class _Refused:
    what: str  # what the file really is: "a Windows program"
    reason: str  # why that is refused and what to do instead


PROGRAM = "it looks like a program, not a document"
MARKUP = "web pages and SVG can carry scripts; save it as PDF"
ARCHIVE = "archives are not accepted; upload the files inside"
MACROS = "macros can run programs; save it without macros (as .docx, .xlsx or .pptx)"
UNKNOWN = f"it is not a type the portfolio accepts ({ACCEPTED_SUMMARY})"
DAMAGED = (
    "It looks damaged or incomplete, so it could not be checked; "
    "save it again and upload the new copy."
)
SAVE_AS_PDF = "save it as PDF or in one of the accepted types"


class _Damaged(Exception):
    """The file could not be read: broken, truncated, or built to make a reader work forever."""


class _Unacceptable(Exception):
    """A refusal that is a whole sentence of its own, not "this is X: reason"."""


def sniff(file, name):
    """Judge `file` (seekable, binary) by its bytes; `name` is used only to catch disguises."""
    extension = extension_acted_on(name)
    file.seek(0)
    head = file.read(HEAD_SIZE)
    try:
        verdict = _identify(file, head, extension)
    except _Damaged:
        return Sniffed(refusal=DAMAGED)
    except _Unacceptable as refusal:
        return Sniffed(refusal=str(refusal))
    finally:
        file.seek(0)
    if isinstance(verdict, _Refused):
        if extension in _KNOWN_EXTENSIONS:
            return Sniffed(
                refusal=f"Its name ends .{extension}, but it is really {verdict.what}: "
                f"{verdict.reason}."
            )
        return Sniffed(refusal=f"This is {verdict.what}: {verdict.reason}.")
    if dangerous := dangerous_extension(name):
        return Sniffed(
            refusal=f"Files whose names end .{dangerous} can run programs or scripts when "
            f"opened, so the portfolio does not accept them; {SAVE_AS_PDF}."
        )
    if extension in _KNOWN_EXTENSIONS and extension not in _FAMILY_EXTENSIONS[verdict.family]:
        return Sniffed(
            refusal=f"Its name ends .{extension}, but it is really {verdict.described}: "
            f"rename it to end .{verdict.extensions[0]}, or save it again as the type its "
            "name says."
        )
    return Sniffed(file_type=verdict)


def _accepted(content_type):
    return ACCEPTED_TYPES[content_type]


# libmagic's answers (MIME types, several spellings across its versions) for accepted types.
MAGIC_ACCEPTED = {
    "application/pdf": "application/pdf",
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "image/heic": "image/heic",
    "image/heic-sequence": "image/heic",
    "image/heif": "image/heif",
    "image/heif-sequence": "image/heif",
    "audio/mpeg": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wav": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/ogg": "audio/ogg",
    "application/ogg": "audio/ogg",
    "audio/x-m4a": "audio/mp4",
    "audio/mp4": "audio/mp4",
    "audio/x-hx-aac-adts": "audio/aac",
    "audio/aac": "audio/aac",
    "audio/x-aac": "audio/aac",
    "audio/flac": "audio/flac",
    "audio/x-flac": "audio/flac",
    "video/mp4": "video/mp4",
    "video/x-m4v": "video/mp4",
    "video/quicktime": "video/quicktime",
    "video/3gpp": "video/3gpp",
    "video/3gpp2": "video/3gpp",
    "video/webm": "video/webm",
    "video/x-matroska": "video/x-matroska",
    "video/x-msvideo": "video/x-msvideo",
    "video/avi": "video/x-msvideo",
}

_WINDOWS = _Refused("a Windows program", PROGRAM)
_LINUX = _Refused("a Linux program", PROGRAM)
MAGIC_REFUSED = {
    "application/x-dosexec": _WINDOWS,
    "application/vnd.microsoft.portable-executable": _WINDOWS,
    "application/x-msdownload": _WINDOWS,
    "application/x-ms-shortcut": _Refused("a Windows shortcut", PROGRAM),
    "application/x-executable": _LINUX,
    "application/x-pie-executable": _LINUX,
    "application/x-sharedlib": _LINUX,
    "application/x-object": _LINUX,
    "application/x-mach-binary": _Refused("a Mac program", PROGRAM),
    "application/x-java-applet": _Refused("a Java program", PROGRAM),
    "application/x-shockwave-flash": _Refused("a Flash file", PROGRAM),
    "application/x-rar": _Refused("a RAR archive", ARCHIVE),
    "application/vnd.rar": _Refused("a RAR archive", ARCHIVE),
    "application/x-7z-compressed": _Refused("a 7-Zip archive", ARCHIVE),
    "application/gzip": _Refused("a compressed (gzip) file", ARCHIVE),
    "application/x-gzip": _Refused("a compressed (gzip) file", ARCHIVE),
    "application/x-xz": _Refused("a compressed (xz) file", ARCHIVE),
    "application/zstd": _Refused("a compressed (zstd) file", ARCHIVE),
    "application/x-bzip2": _Refused("a compressed (bzip2) file", ARCHIVE),
    "application/x-lzip": _Refused("a compressed (lzip) file", ARCHIVE),
    "application/x-lzma": _Refused("a compressed (lzma) file", ARCHIVE),
    "application/x-compress": _Refused("a compressed file", ARCHIVE),
    "application/vnd.ms-cab-compressed": _Refused("a cabinet archive", ARCHIVE),
    "application/x-tar": _Refused("a tar archive", ARCHIVE),
    "application/x-cpio": _Refused("a cpio archive", ARCHIVE),
    "application/x-iso9660-image": _Refused("a disc image", ARCHIVE),
    "application/x-apple-diskimage": _Refused("a Mac disk image", ARCHIVE),
    "text/rtf": _Refused("a rich text (RTF) document", SAVE_AS_PDF),
    "application/rtf": _Refused("a rich text (RTF) document", SAVE_AS_PDF),
    "image/bmp": _Refused("a bitmap (BMP) image", "save it as PNG or JPEG"),
    "image/x-ms-bmp": _Refused("a bitmap (BMP) image", "save it as PNG or JPEG"),
    "image/tiff": _Refused("a TIFF image", "save it as PNG, JPEG or PDF"),
    "image/vnd.adobe.photoshop": _Refused("a Photoshop image", "save it as PNG, JPEG or PDF"),
    "image/avif": _Refused("an AVIF image", "save it as JPEG or PNG"),
    "image/svg+xml": _Refused("an SVG image", MARKUP),
    "text/html": _Refused("a web page (HTML)", MARKUP),
    "text/xml": _Refused("an XML file", MARKUP),
    "application/xml": _Refused("an XML file", MARKUP),
}
# Text of a kind libmagic names, which the portfolio judges as text: a letter that begins
# "From:" is not an email program, and notes that quote code are still notes.
MAGIC_TEXT = {"application/json", "message/rfc822", "message/news"}
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE_MAGIC_TYPES = {
    "application/x-ole-storage",
    "application/CDFV2",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.ms-office",
    "application/vnd.ms-outlook",
    "application/x-msi",
}

_mime_type = magic.Magic(mime=True)
_description = magic.Magic()


def _identify(file, head, extension):
    """The FileType of an accepted file, or a _Refused saying what it is."""
    mime = _mime_type.from_buffer(head)
    if head.startswith(ZIP_SIGNATURES) or mime == "application/zip":
        return _zip(file)
    if head.startswith(olefile.MAGIC) or mime in OLE_MAGIC_TYPES:
        return _ole2(file)
    if mime in MAGIC_ACCEPTED:
        return _accepted(MAGIC_ACCEPTED[mime])
    if mime in MAGIC_REFUSED:
        return MAGIC_REFUSED[mime]
    if mime.startswith("text/") or mime in MAGIC_TEXT:
        return _text(file, head, extension)
    # An MP3 whose tag (album art, say) is longer than the head: libmagic sees only the tag.
    if _description.from_buffer(head).startswith("Audio file with ID3"):
        return _accepted("audio/mpeg")
    return _Refused("a file of a kind the portfolio does not recognise", UNKNOWN)


# A real Office file's directory of parts is a few kilobytes and some dozens of entries, and
# unpacks to tens of megabytes at most; past these bounds the file is refused unread.
MAX_ZIP_DIRECTORY = 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_UNPACKED = 1024 * 1024 * 1024
UNPACKS_TOO_FAR = (
    f"It would unpack to more than {MAX_ZIP_UNPACKED // (1024 * 1024 * 1024)} GB, far more "
    "than any real document, so it was not opened; save it again, or split it, and upload "
    "the new copy."
)
# The end of central directory record (APPNOTE 4.3.16): where the directory is and how big.
ZIP_END = b"PK\x05\x06"
ZIP_END_SIZE = 22
ZIP_END_FIELDS = struct.Struct("<4sHHHHIIH")

ODF_TYPES = {
    f"application/vnd.oasis.opendocument.{kind}".encode()
    for kind in ("text", "spreadsheet", "presentation")
}
OOXML_FOLDERS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _zip(file):
    _check_zip_directory_size(file)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_ENTRIES:
                raise _Damaged
            if sum(member.file_size for member in members) > MAX_ZIP_UNPACKED:
                raise _Unacceptable(UNPACKS_TOO_FAR)
            names = [member.filename for member in members]
            mimetype = b""
            if members and members[0].filename == "mimetype":
                with archive.open(members[0]) as member:
                    mimetype = member.read(100).strip()
    except (_Damaged, _Unacceptable):
        raise
    except (NotImplementedError, RuntimeError):  # an unusual compression method or a password
        return _Refused("an encrypted or unusual ZIP archive", ARCHIVE)
    except Exception as error:  # whatever a broken archive makes zipfile raise
        raise _Damaged from error
    if any(name.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for name in names):
        return _Refused("an Office document with macros", MACROS)
    if mimetype:
        if any(name.startswith(("Basic/", "Scripts/")) for name in names):
            return _Refused("an OpenDocument file with macros", MACROS)
        if mimetype in ODF_TYPES:
            return _accepted(mimetype.decode())
        if mimetype.startswith(b"application/vnd.oasis.opendocument."):
            return _Refused(
                "an OpenDocument file of a kind the portfolio does not accept", SAVE_AS_PDF
            )
        return _Refused("a packaged document of a kind the portfolio does not accept", UNKNOWN)
    if "[Content_Types].xml" in names:
        for folder, content_type in OOXML_FOLDERS.items():
            if any(name.startswith(folder) for name in names):
                return _accepted(content_type)
        return _Refused("an Office file of a kind the portfolio does not accept", SAVE_AS_PDF)
    if {"META-INF/MANIFEST.MF", "AndroidManifest.xml", "classes.dex"} & set(names):
        return _Refused("a Java or Android program", PROGRAM)
    return _Refused("a ZIP archive", ARCHIVE)


def _check_zip_directory_size(file):
    """Refuse a ZIP whose end record declares a huge directory, before zipfile reads it all."""
    size = file.seek(0, io.SEEK_END)
    tail_size = min(size, ZIP_END_SIZE + 65535)  # the record, and a comment of at most 64 KB
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    end = tail.rfind(ZIP_END)
    if end == -1 or len(tail) < end + ZIP_END_SIZE:
        raise _Damaged
    fields = ZIP_END_FIELDS.unpack_from(tail, end)
    entries, directory_size = fields[4], fields[5]
    if entries > MAX_ZIP_ENTRIES or directory_size > MAX_ZIP_DIRECTORY:
        raise _Damaged
    file.seek(0)


# Legacy Office files are OLE2 compound files; so are installers and Outlook messages, so the
# streams inside tell them apart.
OLE2_STREAMS = [
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
]
OLE2_MACROS = {"Macros", "_VBA_PROJECT_CUR", "VBA"}
# A real document's directory is a few sectors (four entries each); 2 MB is 16,384 entries.
MAX_OLE_DIRECTORY = 2 * 1024 * 1024


def _ole2(file):
    names = _ole2_names(file)
    if "EncryptedPackage" in names:
        return _Refused(
            "a password-protected Office document",
            "your assessor could not open it; remove the password and upload it again",
        )
    if names & OLE2_MACROS:
        return _Refused("an Office document with macros", MACROS)
    for stream, content_type in OLE2_STREAMS:
        if stream in names:
            return _accepted(content_type)
    return _Refused(
        "an Office file of a kind the portfolio does not accept (such as an installer or an "
        "Outlook message)",
        SAVE_AS_PDF,
    )


def _ole2_names(file):
    """Every storage and stream name in an OLE2 compound file, read by olefile within bounds."""
    try:
        with _BoundedOleFile(file) as document:
            paths = document.listdir(streams=True, storages=True)
    except _Damaged:
        raise
    except Exception as error:  # olefile raises what its parsing meets: OSError, IndexError...
        raise _Damaged from error
    return {name for path in paths for name in path}


class _BoundedOleFile(olefile.OleFileIO):
    """olefile, stopped before it follows a crafted file's tables wherever they lead.

    olefile trusts the header's count of FAT sectors and follows the DIFAT chain that many
    times, and reads the directory's chain whole into memory; a 99 MB file can claim billions
    of sectors, loop its chains, and keep it busy for minutes. Both are checked first against
    what a file of this size can hold (olefile 0.47's loadfat and loaddirectory are the hooks).
    """

    def loadfat(self, header):
        needed = -(-self.nb_sect // (self.sectorsize // 4))  # FAT sectors to describe the file
        if self.num_fat_sectors > needed + 1:
            raise _Damaged
        super().loadfat(header)

    def loaddirectory(self, sect):
        limit, length, sector = MAX_OLE_DIRECTORY // self.sectorsize, 0, sect
        while sector != olefile.ENDOFCHAIN:
            length += 1
            if length > limit or sector >= len(self.fat):
                raise _Damaged
            sector = self.fat[sector]
        super().loaddirectory(sect)


MARKUP_START = re.compile(rb"<[a-zA-Z!?]")
MARKUP_KINDS = [
    (b"<svg", "an SVG image"),
    (b"<!doctype html", "a web page (HTML)"),
    (b"<html", "a web page (HTML)"),
    (b"<head", "a web page (HTML)"),
    (b"<body", "a web page (HTML)"),
    (b"<script", "a web page (HTML)"),
    (b"<?xml", "an XML file"),
]


def _text(file, head, extension):
    """Text is accepted only as UTF-8 with no NUL bytes: that is what the browser is told."""
    if head[:2] in {b"\xff\xfe", b"\xfe\xff"}:
        return _Refused("text saved as UTF-16", "save it as UTF-8 text, or as PDF")
    if head[:2] == b"#!":
        return _Refused("a script", PROGRAM)
    body = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n\x0c")
    if MARKUP_START.match(body):
        lowered = body[:1024].lower()
        what = next(
            (what for tag, what in MARKUP_KINDS if tag in lowered), "a web page or XML file"
        )
        return _Refused(what, MARKUP)
    if not _is_utf8_text(file):
        return _Refused("a file of a kind the portfolio does not recognise", UNKNOWN)
    sample = head[:CSV_SAMPLE_SIZE]
    if extension == "csv" and _parses_as_csv(sample, whole=len(head) < CSV_SAMPLE_SIZE):
        return _accepted("text/csv")
    return _accepted("text/plain")


def _is_utf8_text(file):
    """Every byte of the file, a chunk at a time: UTF-8 (BOM allowed) with no NUL bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    while chunk := file.read(TEXT_CHUNK_SIZE):
        if b"\0" in chunk:
            return False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _parses_as_csv(head, *, whole):
    text = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore")
    lines = text.splitlines()
    if not whole:
        lines = lines[:-1]  # the last line may be cut short by the head
    if not lines:
        return False
    try:
        rows = list(csv.reader(lines, strict=True))
    except csv.Error:
        return False
    return bool(rows)

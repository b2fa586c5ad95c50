"""What an uploaded file really is, judged from its bytes: never from its name or the browser.

No libmagic and no new dependency: a short list of signatures for the types the portfolio
accepts, and for the dangerous or unsupported ones it refuses by name, so that a refusal can
tell the learner what their file really is and what to do instead.
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass

# Enough for every signature below, and for a few lines of a CSV file.
HEAD_SIZE = 8192
TEXT_CHUNK_SIZE = 64 * 1024


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

# Names a computer may run or render as a web page when opened, whatever the file holds.
DANGEROUS_EXTENSIONS = {
    "app", "apk", "appx", "asp", "aspx", "bash", "bat", "cgi", "chm", "cmd", "com", "cpl",
    "desktop", "dll", "dmg", "docm", "dotm", "eml", "exe", "gadget", "hta", "htm", "html",
    "inf", "ins", "iso", "jar", "js", "jse", "jsp", "lnk", "mht", "mhtml", "mjs", "msc", "msi",
    "msp", "php", "pif", "pl", "potm", "ppsm", "pptm", "ps1", "psm1", "py", "rb", "reg", "scf",
    "scr", "sh", "shtml", "svg", "svgz", "url", "vb", "vbe", "vbs", "webarchive", "ws", "wsc",
    "wsf", "wsh", "xhtml", "xlam", "xlsm", "xml", "xsl", "xslt", "zsh",
}  # fmt: skip


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
    pass


def sniff(file, name):
    """Judge `file` (seekable, binary) by its bytes; `name` is used only to catch disguises."""
    extension = _extension(name)
    file.seek(0)
    head = file.read(HEAD_SIZE)
    try:
        verdict = _identify(file, head, extension)
    except _Damaged:
        return Sniffed(refusal=DAMAGED)
    finally:
        file.seek(0)
    if isinstance(verdict, _Refused):
        if extension in _KNOWN_EXTENSIONS:
            return Sniffed(
                refusal=f"Its name ends .{extension}, but it is really {verdict.what}: "
                f"{verdict.reason}."
            )
        return Sniffed(refusal=f"This is {verdict.what}: {verdict.reason}.")
    if extension in DANGEROUS_EXTENSIONS:
        return Sniffed(
            refusal=f"Files whose names end .{extension} can run programs or scripts when "
            f"opened, so the portfolio does not accept them; {SAVE_AS_PDF}."
        )
    if extension in _KNOWN_EXTENSIONS and extension not in _FAMILY_EXTENSIONS[verdict.family]:
        return Sniffed(
            refusal=f"Its name ends .{extension}, but it is really {verdict.described}: "
            f"rename it to end .{verdict.extensions[0]}, or save it again as the type its "
            "name says."
        )
    return Sniffed(file_type=verdict)


def _extension(name):
    stem, dot, extension = (name or "").rpartition(".")
    return extension.lower() if dot and stem.strip(". ") else ""


def _accepted(content_type):
    return ACCEPTED_TYPES[content_type]


def _identify(file, head, extension):
    """The FileType of an accepted file, or a _Refused saying what it is."""
    for check in (_program, _archive_or_office, _binary_format, _media):
        verdict = check(file, head)
        if verdict is not None:
            return verdict
    return _text(file, head, extension)


MACH_O = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"}


def _program(file, head):
    # A text file may start "MZ"; a Windows program has binary bytes straight after.
    if head[:2] == b"MZ" and b"\0" in head[2:64]:
        return _Refused("a Windows program", PROGRAM)
    if head[:4] == b"\x7fELF":
        return _Refused("a Linux program", PROGRAM)
    if head[:4] in MACH_O:
        return _Refused("a Mac program", PROGRAM)
    if head[:4] == b"\xca\xfe\xba\xbe":
        return _Refused("a Mac or Java program", PROGRAM)
    if head[:2] == b"#!":
        return _Refused("a script", PROGRAM)
    return None


ARCHIVES = [
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"\xfd7zXZ\x00", "a compressed (xz) file"),
    (b"\x28\xb5\x2f\xfd", "a compressed (zstd) file"),
    (b"MSCF", "a cabinet archive"),
]


def _archive_or_office(file, head):
    if head[:4] in {b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"}:
        return _zip(file)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _ole2(file)
    for signature, what in ARCHIVES:
        if head.startswith(signature):
            return _Refused(what, ARCHIVE)
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return _Refused("a compressed (bzip2) file", ARCHIVE)
    if head[257:262] == b"ustar":
        return _Refused("a tar archive", ARCHIVE)
    return None


# A real Office file's directory of members is a few kilobytes; refusing a huge one before
# zipfile reads it all keeps a crafted archive from using up memory.
MAX_ZIP_DIRECTORY = 4 * 1024 * 1024

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
            names = [member.filename for member in members]
            mimetype = b""
            if members and members[0].filename == "mimetype":
                with archive.open(members[0]) as member:
                    mimetype = member.read(100).strip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise _Damaged from error
    except (NotImplementedError, RuntimeError):  # an unusual compression method or a password
        return _Refused("an encrypted or unusual ZIP archive", ARCHIVE)
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
    size = file.seek(0, io.SEEK_END)
    tail_size = min(size, 22 + 65535)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end == -1 or len(tail) < end + 22:
        raise _Damaged
    if int.from_bytes(tail[end + 12 : end + 16], "little") > MAX_ZIP_DIRECTORY:
        raise _Damaged
    file.seek(0)


# Legacy Office files are OLE2 compound files; so are installers and Outlook messages, so the
# streams inside tell them apart.
OLE2_STREAMS = [
    ("EncryptedPackage", None),
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
]
OLE2_MACROS = {"Macros", "_VBA_PROJECT_CUR", "VBA"}


def _ole2(file):
    names = set(_ole2_names(file))
    if "EncryptedPackage" in names:
        return _Refused(
            "a password-protected Office document",
            "your assessor could not open it; remove the password and upload it again",
        )
    if names & OLE2_MACROS:
        return _Refused("an Office document with macros", MACROS)
    for stream, content_type in OLE2_STREAMS:
        if stream in names and content_type:
            return _accepted(content_type)
    return _Refused(
        "an Office file of a kind the portfolio does not accept (such as an installer or an "
        "Outlook message)",
        SAVE_AS_PDF,
    )


OLE2_END_OF_CHAIN = 0xFFFFFFFA  # this and the values above it mark the end or free sectors
MAX_OLE2_DIRECTORY_SECTORS = 4096


def _ole2_names(file):
    """The names of the storages and streams in an OLE2 compound file (MS-CFB)."""
    header = _read_at(file, 0, 512)
    sector_size = 1 << int.from_bytes(header[30:32], "little")
    if sector_size not in (512, 4096):
        raise _Damaged
    per_sector = sector_size // 4
    fat_sectors = [int.from_bytes(header[76 + 4 * i : 80 + 4 * i], "little") for i in range(109)]
    next_difat = int.from_bytes(header[68:72], "little")
    seen = set()
    while next_difat < OLE2_END_OF_CHAIN and next_difat not in seen:
        seen.add(next_difat)
        block = _read_at(file, (next_difat + 1) * sector_size, sector_size)
        words = [int.from_bytes(block[i : i + 4], "little") for i in range(0, sector_size, 4)]
        fat_sectors.extend(words[:-1])
        next_difat = words[-1]

    def next_sector(sector):
        index = sector // per_sector
        if index >= len(fat_sectors) or fat_sectors[index] >= OLE2_END_OF_CHAIN:
            raise _Damaged
        offset = (fat_sectors[index] + 1) * sector_size + (sector % per_sector) * 4
        return int.from_bytes(_read_at(file, offset, 4), "little")

    sector = int.from_bytes(header[48:52], "little")
    visited = set()
    while sector < OLE2_END_OF_CHAIN:
        if sector in visited or len(visited) >= MAX_OLE2_DIRECTORY_SECTORS:
            raise _Damaged
        visited.add(sector)
        block = _read_at(file, (sector + 1) * sector_size, sector_size)
        for start in range(0, sector_size, 128):
            entry = block[start : start + 128]
            length = int.from_bytes(entry[64:66], "little")
            if entry[66] in (1, 2, 5) and 2 <= length <= 64:
                yield entry[: length - 2].decode("utf-16-le", errors="replace")
        sector = next_sector(sector)


def _read_at(file, offset, size):
    file.seek(offset)
    data = file.read(size)
    if len(data) != size:
        raise _Damaged
    return data


def _binary_format(file, head):
    if head.startswith(b"%PDF-"):
        return _accepted("application/pdf")
    if head.startswith(b"\xff\xd8\xff"):
        return _accepted("image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _accepted("image/png")
    if head[:6] in {b"GIF87a", b"GIF89a"}:
        return _accepted("image/gif")
    if head[:4] == b"RIFF":
        kind = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
        if head[8:12] in kind:
            return _accepted(kind[head[8:12]])
    if head[:5] == b"{\\rtf":
        return _Refused("a rich text (RTF) document", SAVE_AS_PDF)
    if head[:2] == b"BM" and len(head) > 26 and head[6:10] == b"\0\0\0\0":
        return _Refused("a bitmap (BMP) image", "save it as PNG or JPEG")
    if head[:4] in {b"II*\x00", b"MM\x00*"}:
        return _Refused("a TIFF image", "save it as PNG, JPEG or PDF")
    if head[:4] == b"8BPS":
        return _Refused("a Photoshop image", "save it as PNG, JPEG or PDF")
    return None


HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
AVIF_BRANDS = {b"avif", b"avis"}
M4A_BRANDS = {b"M4A ", b"M4B "}
THREE_GP_PREFIXES = (b"3gp", b"3g2")
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"mp41", b"mp42", b"mp71",
    b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"MSNV", b"NDAS", b"XAVC", b"f4v ", b"mmp4",
}  # fmt: skip
OLD_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _media(file, head):
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head[4:8] in OLD_QUICKTIME_ATOMS:
        return _accepted("video/quicktime")
    if head[:4] == b"OggS":
        return _accepted("audio/ogg")
    if head[:4] == b"fLaC":
        return _accepted("audio/flac")
    if head[:3] == b"ID3":
        return _accepted("audio/mpeg")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _accepted("video/webm" if b"webm" in head[:64] else "video/x-matroska")
    if len(head) >= 3 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        version, layer, bitrate = (head[1] >> 3) & 3, (head[1] >> 1) & 3, head[2] >> 4
        if layer == 0 and head[1] & 0xF6 == 0xF0:
            return _accepted("audio/aac")  # an ADTS stream
        sample_rate = (head[2] >> 2) & 3
        if version != 1 and layer == 1 and bitrate not in (0, 15) and sample_rate != 3:
            return _accepted("audio/mpeg")  # an MP3 (MPEG layer III) frame
    return None


def _iso_media(head):
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    brands = compatible | {major}
    if major in AVIF_BRANDS:
        return _Refused("an AVIF image", "save it as JPEG or PNG")
    if major in HEIC_BRANDS:
        return _accepted("image/heic")
    if major in {b"mif1", b"msf1"}:
        if brands & AVIF_BRANDS:
            return _Refused("an AVIF image", "save it as JPEG or PNG")
        return _accepted("image/heic" if brands & HEIC_BRANDS else "image/heif")
    if major in M4A_BRANDS:
        return _accepted("audio/mp4")
    if major == b"qt  ":
        return _accepted("video/quicktime")
    if major.startswith(THREE_GP_PREFIXES):
        return _accepted("video/3gpp")
    if brands & MP4_BRANDS:
        return _accepted("video/mp4")
    return _Refused("a media file of a kind the portfolio does not accept", UNKNOWN)


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
    if head[:2] in {b"\xff\xfe", b"\xfe\xff"}:
        return _Refused("text saved as UTF-16", "save it as UTF-8 text, or as PDF")
    body = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n\x0c")
    if MARKUP_START.match(body):
        lowered = body[:1024].lower()
        what = next(
            (what for tag, what in MARKUP_KINDS if tag in lowered), "a web page or XML file"
        )
        return _Refused(what, MARKUP)
    if b"%PDF-" in head[:1024]:
        return _accepted("application/pdf")  # readers allow a little junk before the header
    if not _is_utf8_text(file):
        return _Refused("a file of a kind the portfolio does not recognise", UNKNOWN)
    if extension == "csv" and _parses_as_csv(head, whole=len(head) < HEAD_SIZE):
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

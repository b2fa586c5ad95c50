"""Names a computer acts on when the file is opened, whatever the file holds.

The one list every upload is checked against: evidence files and standardisation documents go
through evidence.uploads.upload_check, whose sniffing asks `dangerous_extension`. It gathers
the lists Windows, Outlook, Excel and macOS block or warn about, plus scripts, web pages and
macro-enabled Office files: a learner's document never needs one of these names.
"""

import unicodedata

# Windows programs, installers, shortcuts and settings files Windows opens by running
# something (Outlook's Level 1 list and Windows' own "unsafe" list).
WINDOWS = """
    ade adp app appref-ms application appx appxbundle bas bat bgi cer chm cmd cnt com cpl crt
    csh der diagcab diagcfg diagpkg dll drv exe fxp gadget grp hlp hpj hta htt inf ini ins
    isp its jnlp jse ksh library-ms lnk mad maf mag mam maq mar mas mat mau mav maw mcf mda mdb
    mde mdt mdw mdz msc msh msh1 msh1xml msh2 msh2xml mshxml msi msix msixbundle msp mst ocx
    ops osd pcd pif pl plg prf prg printerexport provxml ps1 ps1xml ps2 ps2xml psc1 psc2 psd1
    psdm1 psm1 pssc pst pyc pyo pyw pyz pyzw rdp reg scf scr sct search-ms searchconnector-ms
    settingcontent-ms shb shs sys theme themepack deskthemepack tmp url vb vbe vbp vbs vsmacros
    vsw vxd website ws wsb wsc wsf wsh xbap xll xnk
"""
# Disk images Windows mounts with a double-click, losing the mark that the file came from
# the internet.
DISK_IMAGES = "img iso vhd vhdx"
# Excel's data links and add-ins, which fetch or run things when opened.
EXCEL = "dqy iqy oqy rqy slk xla xlam xlw"
# Office files with macros, and OneNote and Access files that can carry programs.
MACROS = "docm dotm pptm potm ppsm ppam ppa sldm xlsm xltm xlsb one onepkg accde accdr"
# macOS, Linux and Android programs, installers, scripts and shortcuts.
MAC_AND_LINUX = """
    apk
    action applescript bundle command definition desktop dmg dylib fileloc framework inetloc
    kext mpkg osax pkg plugin prefpane run scpt scptd service terminal tool webloc workflow
    appimage bin deb rpm so
"""
# Scripts and programs for interpreters found on many computers and web servers.
SCRIPTS = """
    asp aspx bash cgi cjs class jar js jsp jspx mjs php php3 php4 php5 php7 phar phtml pm py
    rb sh zsh fish lua tcl vbscript
"""
# Web pages, mail and vector images: a browser or mail program runs what they carry.
MARKUP = "eml htm html mht mhtml shtml svg svgz webarchive xht xhtml xml xsl xslt swf"

DANGEROUS_EXTENSIONS = frozenset(
    extension
    for group in (WINDOWS, DISK_IMAGES, EXCEL, MACROS, MAC_AND_LINUX, SCRIPTS, MARKUP)
    for extension in group.split()
)


def windows_name(name):
    """The name as Windows saves it: trailing dots and spaces dropped, so "a.exe. " is a.exe."""
    return unicodedata.normalize("NFC", name or "").rstrip(". ")


def extension_acted_on(name):
    """The extension a computer goes by when the file is opened: the last one, lower case.

    "report.pdf.exe" is a program whatever its middle says, and "report.exe . ." is saved by
    Windows as report.exe. Stored files carry no extension at all (they get generated names),
    so this last one, offered back on download, is the only one anything acts on.
    """
    stem, dot, extension = windows_name(name).rpartition(".")
    return extension.strip().lower() if dot and stem.strip(". ") else ""


def dangerous_extension(name):
    """The extension of `name` a computer would act on if it is one of the list, or ""."""
    extension = extension_acted_on(name)
    return extension if extension in DANGEROUS_EXTENSIONS else ""

"""Files whose bytes depend only on the manuscript and the build date: PDFs saved with stable names and IDs, zips."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pikepdf

# WeasyPrint names an image XObject after the md5 of its absolute URL, so the print file would change
# with the folder the manuscript sits in; the name is rewritten from the image's own bytes instead.
_IMAGE_NAME = re.compile(rb"/i[0-9a-f]{32}[0-9a-z]*")


def stable_image_names(pdf: pikepdf.Pdf) -> int:
    """Renames WeasyPrint's path-derived image resource names after the image content; returns how many.

    Pages and form XObjects (transparency groups, patterns) are both visited, resources and content.
    """
    forms = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Form"]
    holders = [page.obj for page in pdf.pages] + forms
    resources = [h.Resources for h in holders if "/Resources" in h and "/XObject" in h.Resources]
    renames: dict[bytes, bytes] = {}
    for res in resources:
        for name, xobject in res.XObject.items():
            if _IMAGE_NAME.fullmatch(name.encode()) and name.encode() not in renames:
                digest = hashlib.md5(xobject.read_raw_bytes(), usedforsecurity=False).hexdigest()
                renames[name.encode()] = b"/i" + digest.encode() + name.encode()[34:]
    renames = {old: new for old, new in renames.items() if old != new}
    if not renames:
        return 0
    for res in _unique(resources):
        xobjects = res.XObject
        for old, new in renames.items():
            if old.decode() in xobjects:
                xobjects[new.decode()] = xobjects[old.decode()]
                del xobjects[old.decode()]
    pattern = re.compile(b"|".join(re.escape(old) for old in renames) + rb"(?![0-9A-Za-z])")
    streams: list[pikepdf.Object] = list(forms)
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        streams.extend(contents if isinstance(contents, pikepdf.Array) else [contents] if contents else [])
    for stream in _unique(streams):
        data = stream.read_bytes()
        fixed = pattern.sub(lambda m: renames[m.group(0)], data)
        if fixed != data:
            stream.write(fixed)
    return len(renames)


def _unique(objects: Iterable[pikepdf.Object]) -> list[pikepdf.Object]:
    """Each indirect object once (pages share resource dictionaries), direct ones as they come."""
    seen: set[tuple[int, int]] = set()
    unique = []
    for obj in objects:
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        unique.append(obj)
    return unique


def save_deterministic(pdf: pikepdf.Pdf, target: Path | io.BytesIO) -> None:
    """qpdf's save with an /ID computed from the content, not from the clock."""
    pdf.save(target, deterministic_id=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)


def srgb_profile() -> bytes:
    """Little CMS's sRGB profile with its creation date fixed: lcms stamps the clock into the header."""
    from PIL import ImageCms

    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    if not any(data[84:100]):  # no profile ID (an MD5 over the header) that a new date would falsify
        data[24:36] = bytes.fromhex("07d0" "0001" "0001" "0000" "0000" "0000")  # 2000-01-01 00:00:00
    return bytes(data)


def zip_bytes(members: Iterable[tuple[str, bytes]], when: dt.datetime, stored_first: str = "") -> bytes:
    """A zip whose bytes depend on its members only: sorted names, one timestamp, fixed permissions.

    `stored_first`: a member that must come first, uncompressed (an EPUB's mimetype, OCF 4.3).
    """
    stamp = max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # zip has no earlier dates (a 1953 book)
    found = dict(members)
    names = ([stored_first] if stored_first in found else []) + sorted(n for n in found if n != stored_first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == stored_first:
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, found[name])
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, found[name], compresslevel=9)
    return out.getvalue()

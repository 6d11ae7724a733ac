"""Pictures in the written work: a pipeline diagram handed in as Task 3's answer, and a diagram
of the whole loop for the bonus — each a deliverable an instructor views. A picture is found
by a link from the written work (Markdown or HTML) or by its name; it is Task 3's when the
pipeline's text links it or its name says pipeline, and the loop's only when it is that.
Raster images are checked to be real images of a useful size; an SVG's text is read."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from grader.evidence.written import documents
from grader.evidence.written.placement import placements
from grader.patterns import lazy

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
TEXT_DIAGRAMS = (".mmd", ".mermaid", ".puml", ".plantuml", ".drawio")
_LINK = lazy(r"!?\[[^\]\n]{0,200}\]\(\s*<?([^)\s>]{1,300})>?|<img\b[^>\n]{0,300}?\bsrc\s*=\s*[\"']([^\"'\n]{1,300})[\"']",
                   re.I)
_PIPELINE_NAME = lazy(r"pipeline|ci[-_ ]?cd|\bci\b|workflow|task[-_ ]?3|deploy", re.I)
_LOOP_NAME = lazy(r"loop|infinity|lifecycle|life-cycle|devops|bonus|cycle", re.I)
MAX_IMAGE_BYTES = 20_000_000


@dataclass(frozen=True, slots=True)
class Picture:
    rel: str
    kind: str  # "PNG 1200×800", "SVG", "mermaid"...
    text: str  # what an SVG or diagram source says ("" for raster images)


def _resolve(base: str, target: str) -> str:
    target = target.split("#")[0].split("?")[0]
    path = target.lstrip("/") if target.startswith("/") else (f"{base}/{target}" if base else target)
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def linked(sub, rel: str, text: str) -> list[str]:
    """The files of the submission a text links to."""
    base = rel.rsplit("/", 1)[0] if "/" in rel else ""
    out = []
    for m in _LINK.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"^[a-z]+:", target, re.I):
            continue
        path = _resolve(base, target)
        if sub.exists(path) and path not in out:
            out.append(path)
    return out


def picture(sub, rel: str) -> Picture | None:
    """The picture at ``rel`` when it is a real one (of at least 200×100), else None."""
    low = rel.lower()
    if low.endswith(".svg") or low.endswith(TEXT_DIAGRAMS):
        text = sub.read_text(rel) or ""
        if low.endswith(".svg"):
            if "<svg" not in text[:2000]:
                return None
            words = " ".join(re.sub(r"<[^>\n]{0,300}>", " ", m) for m in re.findall(r"<text\b[^>]{0,400}>(.{0,600}?)</text>", text, re.S))
            return Picture(rel, "SVG", re.sub(r"\s+", " ", words))
        return Picture(rel, low.rsplit(".", 1)[-1], text) if text.strip() else None
    data = sub.read_bytes(rel, MAX_IMAGE_BYTES) or b""
    size = _raster_size(data)
    if size and size[0] >= 200 and size[1] >= 100:
        kind = "PNG" if data.startswith(b"\x89PNG") else "JPEG" if data.startswith(b"\xff\xd8") else \
            "GIF" if data.startswith(b"GIF8") else "WebP"
        return Picture(rel, f"{kind} {size[0]}×{size[1]}", "")
    return None


def _raster_size(data: bytes) -> tuple[int, int] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    if data.startswith(b"GIF8") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return w, h
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        if data[12:16] == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
        return 400, 300  # a lossy or lossless WebP: its header holds a size of its own
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, size = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            i += 2 + size
    return None


def pipeline_pictures(sub) -> list[Picture]:
    """Pictures handed in as Task 3's answer: linked from the pipeline's text, or named for it."""
    cached = sub.memo("written:pipeline-pictures")
    if cached is not None:
        return cached
    found: list[str] = []
    for place in placements(sub)[3]:
        found += [p for p in linked(sub, place.rel, place.section.all_text()) if p.lower().endswith(IMAGE_SUFFIXES)
                  and not (_LOOP_NAME.search(p.rsplit("/", 1)[-1]) and not _PIPELINE_NAME.search(p.rsplit("/", 1)[-1]))]
    found += [f for f in _images(sub) if _PIPELINE_NAME.search(f.rsplit("/", 1)[-1]) and not _LOOP_NAME.search(f.rsplit("/", 1)[-1])]
    out = [pic for rel in dict.fromkeys(found) if (pic := picture(sub, rel))]
    return sub.memo("written:pipeline-pictures", out)


def loop_pictures(sub) -> list[str]:
    """Candidates for the bonus diagram of the loop: named for it, or linked from the written
    work — never the pipeline's own picture."""
    pipeline = {p.rel for p in pipeline_pictures(sub)}
    found = [f for f in _images(sub, TEXT_DIAGRAMS) if _LOOP_NAME.search(f.rsplit("/", 1)[-1])
             and not _PIPELINE_NAME.search(f.rsplit("/", 1)[-1])]
    for places in placements(sub).values():
        for place in places:
            found += linked(sub, place.rel, place.section.all_text())
    for rel in documents.candidates(sub)[:20]:
        if "readme" in rel.lower() or rel.startswith(documents.EXERCISE_DIR):
            found += linked(sub, rel, sub.read_text(rel) or "")
    return [f for f in dict.fromkeys(found) if f not in pipeline and f.lower().endswith(IMAGE_SUFFIXES + TEXT_DIAGRAMS)]


def _images(sub, extra: tuple[str, ...] = ()) -> list[str]:
    return sub.by_suffix(*IMAGE_SUFFIXES, *extra)[:500]

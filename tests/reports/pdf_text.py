"""The text shown by a PDF that ReportLab wrote with the CID font STSong-Light: each string of
its page content streams (ASCII85 and Flate decoded), unescaped and read as UTF-16BE, the
encoding the font's UniGB-UCS2-H map gives it. Enough to check what a statement PDF says
without a PDF reader; a string set in another font would come out as noise, not as the text."""

from __future__ import annotations

import base64
import re
import zlib

STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", re.S)
SHOWN = re.compile(rb"\(((?:\\.|[^\\()])*)\)\s*Tj")
ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
NAMED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    def one(match):
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return NAMED.get(code, code)

    return ESCAPE.sub(one, literal)


def pdf_strings(content: bytes) -> list[str]:
    strings = []
    for head, data in STREAM.findall(content):
        if b"ASCII85Decode" in head:
            data = base64.a85decode(data.strip().removesuffix(b"~>"), adobe=False)
        if b"FlateDecode" in head:
            data = zlib.decompress(data)
        for literal in SHOWN.findall(data):
            strings.append(_unescape(literal).decode("utf-16-be", errors="replace"))
    return strings

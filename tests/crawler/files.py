"""Small PDF and DOCX files built in memory, for attachment tests and test trees.

PDF text is drawn with Helvetica (ASCII) or a Type0 font whose ToUnicode map makes Chinese
text extractable; no glyphs are embedded, so the files are for text extraction only.
"""

from __future__ import annotations

import io

import docx
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _name(value: str) -> NameObject:
    return NameObject(value)


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _font_dict(**entries: object) -> DictionaryObject:
    return DictionaryObject({_name(f"/{key}"): value for key, value in entries.items()})


HELVETICA = _font_dict(Type=_name("/Font"), Subtype=_name("/Type1"), BaseFont=_name("/Helvetica"))


def _cjk_font(chars: str) -> tuple[DictionaryObject, dict[str, int]]:
    """A Type0 font (Identity-H, no embedded glyphs) whose ToUnicode CMap maps CIDs to ``chars``."""
    cids = {char: number for number, char in enumerate(dict.fromkeys(chars), start=1)}
    cmap = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
        f"{len(cids)} beginbfchar",
        *(f"<{cid:04X}> <{ord(char):04X}>" for char, cid in cids.items()),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    system_info = _font_dict(
        Registry=TextStringObject("Adobe"),
        Ordering=TextStringObject("Identity"),
        Supplement=NumberObject(0),
    )
    descendant = _font_dict(
        Type=_name("/Font"),
        Subtype=_name("/CIDFontType2"),
        BaseFont=_name("/SimSun"),
        CIDSystemInfo=system_info,
        DW=NumberObject(1000),
    )
    font = _font_dict(
        Type=_name("/Font"),
        Subtype=_name("/Type0"),
        BaseFont=_name("/SimSun"),
        Encoding=_name("/Identity-H"),
        DescendantFonts=ArrayObject([descendant]),
        ToUnicode=_stream("\n".join(cmap).encode()),
    )
    return font, cids


def make_pdf(pages: list[list[str]], password: str | None = None) -> bytes:
    """A PDF with one text line per string; CJK lines use a Type0 font, others Helvetica."""
    writer = PdfWriter()
    chars = "".join(line for lines in pages for line in lines if not line.isascii())
    cjk_font, cids = _cjk_font(chars or "字")
    for lines in pages:
        page = writer.add_blank_page(595, 842)
        fonts = DictionaryObject({_name("/F1"): HELVETICA, _name("/F2"): cjk_font})
        page[_name("/Resources")] = DictionaryObject({_name("/Font"): fonts})
        ops = ["BT", "72 780 Td"]
        for line in lines:
            if line.isascii():
                ops.append(f"/F1 12 Tf ({line}) Tj 0 -20 Td")
            else:
                codes = "".join(f"{cids[char]:04X}" for char in line)
                ops.append(f"/F2 12 Tf <{codes}> Tj 0 -20 Td")
        ops.append("ET")
        content = ContentStream(None, None)
        content.set_data(" ".join(ops).encode())
        page.replace_contents(content)
    if password is not None:
        writer.encrypt(password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(*paragraphs: str, cells: tuple[str, ...] = ()) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if cells:
        table = document.add_table(rows=1, cols=len(cells))
        for cell, value in zip(table.rows[0].cells, cells, strict=True):
            cell.text = value
        document.add_paragraph("附件列表之后")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

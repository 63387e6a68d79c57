"""The text of a CSV that a person saved from a spreadsheet, whatever the program wrote.

Excel on a French Windows saves « CSV (séparateur : point-virgule) » in Windows-1252, without a
BOM; LibreOffice and Google Sheets write UTF-8, sometimes with a BOM. Refusing the first would
turn away the jury's most common file, so: a BOM decides, then UTF-8 when the bytes are valid
UTF-8 (Windows-1252 text with accents never is), else Windows-1252.
"""

from __future__ import annotations

from pathlib import Path

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode_csv(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; they cannot be accents, so replace them
        return data.decode("cp1252", errors="replace")


def read_csv_text(path: Path) -> str:
    """The file's text (OSError as from open())."""
    return decode_csv(path.read_bytes())


__all__ = ["decode_csv", "read_csv_text"]

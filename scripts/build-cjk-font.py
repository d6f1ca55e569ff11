#!/usr/bin/env python3
"""Rebuilds crates/biaozhun/fonts/BiaozhunSansSC-Subset.otf, the CJK font the certificate
PDFs embed (crates/biaozhun/src/training/pdf.rs).

Source: Noto Sans CJK SC Regular (SIL Open Font License 1.1; Debian's fonts-noto-cjk,
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, face 2). Kept: printable ASCII,
Latin-1 punctuation, general punctuation, CJK symbols and punctuation, full-width forms,
and the 3,755 hanzi of GB 2312 level 1 (with --level2 also the 3,008 of level 2).

Two changes beyond the subset, both for the PDF writer:
- every glyph's CID equals its glyph index (the subset's CFF is CID-keyed; with CID = GID a
  viewer that maps by CID and one that maps by glyph index draw the same glyph);
- the family is renamed "Biaozhun Sans SC Subset": a modified version of the font software
  keeps the licence but not the original name (OFL section 3 and the FAQ's advice).

Needs fontTools (`pip install fonttools`). Usage:
    python3 scripts/build-cjk-font.py [--level2] [--source FILE.ttc] [--out FILE.otf]
"""

import argparse
import io
import os
import re
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "crates", "biaozhun", "fonts", "BiaozhunSansSC-Subset.otf")
DEFAULT_SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "Biaozhun Sans SC Subset"
PS_NAME = "BiaozhunSansSCSubset-Regular"


def gb2312(level2: bool) -> list[str]:
    """The hanzi of GB 2312: level 1 is rows 16-55 (0xB0-0xD7), level 2 rows 56-87."""
    last_row = 0xF7 if level2 else 0xD7
    out = []
    for hi in range(0xB0, last_row + 1):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def wanted(level2: bool) -> list[int]:
    cps = set(range(0x20, 0x7F))
    cps |= set(range(0xA0, 0x100))  # Latin-1: ·, ×, ©, accented names
    cps |= set(range(0x2010, 0x2070))  # general punctuation: — ‘ ’ “ ” … ‰ ※
    cps |= {0x2103, 0x2116, 0x2160, 0x2161, 0x2162, 0x2163, 0x2164, 0x25A1, 0x25CB, 0x25CF, 0x2605, 0x2606}
    cps |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation: 、。〈〉《》「」【】〔〕
    cps |= set(range(0xFF01, 0xFF5F))  # full-width forms
    cps |= {ord(c) for c in gb2312(level2)}
    return sorted(cps)


def cid_equals_gid(font: TTFont) -> TTFont:
    """Renames the glyphs cid00000, cid00001, ... in glyph order, so CID = glyph index."""
    order = font.getGlyphOrder()
    rename = {name: f"cid{i:05d}" for i, name in enumerate(order)}
    buf = io.StringIO()
    font.saveXML(buf)
    xml = re.sub(r"\b(?:cid\d{5}|\.notdef)\b", lambda m: rename.get(m.group(0), m.group(0)), buf.getvalue())
    out = TTFont()
    out.importXML(io.StringIO(xml))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--face", type=int, default=2, help="face of the collection (2: Noto Sans CJK SC)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--level2", action="store_true", help="also GB 2312 level 2 (about 1.6 times the size)")
    args = ap.parse_args()

    font = TTCollection(args.source).fonts[args.face]
    if font["name"].getDebugName(1) != "Noto Sans CJK SC" and args.face == 2:
        print("face 2 of the collection is not Noto Sans CJK SC", file=sys.stderr)
        return 1
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = False
    opts.desubroutinize = True  # per-document subsets then carry no unused subroutines
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    opts.drop_tables += ["vhea", "vmtx", "VORG", "GSUB", "GPOS", "GDEF", "BASE", "DSIG", "meta"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=wanted(args.level2))
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    buf.seek(0)
    font = cid_equals_gid(TTFont(buf))

    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 4, 16):
            names.setName(FAMILY if rec.nameID != 4 else FAMILY + " Regular", rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 6:
            names.setName(PS_NAME, 6, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 3:
            names.setName(PS_NAME + ";subset of Noto Sans CJK SC", 3, rec.platformID, rec.platEncID, rec.langID)
    names.names = [r for r in names.names if r.nameID not in (16, 17) and not (r.platformID == 3 and r.langID != 0x409) and r.platformID != 1]
    cff = font["CFF "].cff
    cff.fontNames = [PS_NAME]
    top = cff.topDictIndex[0]
    top.FullName = FAMILY
    top.FamilyName = FAMILY
    font.save(args.out)
    n = len(font.getGlyphOrder())
    print(f"{args.out}: {n} glyphs, {os.path.getsize(args.out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

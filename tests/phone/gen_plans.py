#!/usr/bin/python3
# Prints the C tables of shared/phone.c's numbering plans for the markets we
# serve, expanded from libphonenumber's patterns (every number type it
# calls valid) into flat "prefix, lengths" rows, with our overrides where a
# regulator moved on since Debian's copy (see phone.c for the sources).
# usage: /usr/bin/python3 tests/phone/gen_plans.py > /tmp/plans.c
import re
import sys
from phonenumbers import PhoneMetadata
import phonenumbers  # noqa: F401  (loads the metadata)

REGIONS = ["TG", "BJ", "CI", "SN", "GH", "NG", "BF", "ML", "NE", "CM", "FR"]
TYPES = ["fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
         "personal_number", "voip", "pager", "uan", "voicemail"]
# Togo: Togocel's 71 and 72 blocks (ARCEP Togo allocations after 2022).
# Cote d'Ivoire: ARTCI's 10-digit plan gives whole prefixes to operators
# (mobile 01 Moov, 05 MTN, 07 Orange; fixed 21, 25, 27); Debian's copy only
# lists the blocks migrated from 8 digits in 2021.
OVERRIDE = {("TG", "mobile"): r"(?:7[0-29]|9[0-36-9])\d{6}",
            ("CI", "mobile"): r"0[157]\d{8}",
            ("CI", "fixed_line"): r"2[157]\d{8}"}
ALL = "0123456789"


def parse(p):
    pos = 0

    def cls():
        nonlocal pos
        if p[pos] == "\\":
            assert p[pos + 1] == "d", p
            pos += 2
            return ALL
        if p[pos] == "[":
            end = p.index("]", pos)
            body, s, i = p[pos + 1:end], "", 0
            while i < len(body):
                if i + 2 < len(body) and body[i + 1] == "-":
                    s += "".join(chr(c) for c in range(ord(body[i]),
                                                        ord(body[i + 2]) + 1))
                    i += 3
                else:
                    s += body[i]
                    i += 1
            pos = end + 1
            return s
        assert p[pos].isdigit(), p
        pos += 1
        return p[pos - 1]

    def alt():
        nonlocal pos
        alts = [[]]
        while pos < len(p) and p[pos] != ")":
            if p[pos] == "|":
                pos += 1
                alts.append([])
                continue
            if p.startswith("(?:", pos):
                pos += 3
                sub = alt()
                assert p[pos] == ")"
                pos += 1
                assert pos >= len(p) or p[pos] != "{", p
                alts[-1] = [a + s for a in alts[-1] or [[]] for s in sub] \
                    if alts[-1] else sub
                alts[-1] = alts[-1] if isinstance(alts[-1][0], list) \
                    else [alts[-1]]
                continue
            c = cls()
            lo = hi = 1
            m = re.match(r"\{(\d+)(?:,(\d+))?\}", p[pos:])
            if m:
                lo = int(m.group(1))
                hi = int(m.group(2)) if m.group(2) else lo
                pos += m.end()
            atom = [(c, lo, hi)]
            if not alts[-1]:
                alts[-1] = [atom]
            elif isinstance(alts[-1][0], list):
                alts[-1] = [a + atom for a in alts[-1]]
            else:
                alts[-1] = [alts[-1] + atom]
        out = []
        for a in alts:
            if not a:
                out.append([])
            elif isinstance(a[0], list):
                out.extend(a)
            else:
                out.append(a)
        return out
    r = alt()
    assert pos == len(p), p
    return r


def rows(pattern, lengths):
    out = []
    for seq in parse(pattern):
        # Trailing any-digit atoms give the length range.
        k = len(seq)
        while k > 0 and seq[k - 1][0] == ALL:
            k -= 1
        prefix, plen = "", 0
        for c, lo, hi in seq[:k]:
            assert lo == hi, pattern
            for _ in range(lo):
                prefix += c if len(c) == 1 else "[" + c + "]"
                plen += 1
        lo = plen + sum(a[1] for a in seq[k:])
        hi = plen + sum(a[2] for a in seq[k:])
        for n in range(lo, hi + 1):
            if n in lengths:
                out.append((prefix, n))
    return out


def main():
    for r in REGIONS:
        md = PhoneMetadata.metadata_for_region(r)
        found = []
        for t in TYPES:
            d = getattr(md, t, None)
            pat = OVERRIDE.get((r, t), d.national_number_pattern
                               if d is not None else None)
            if pat is None:
                continue
            lengths = d.possible_length or md.general_desc.possible_length
            for pre, n in rows(pat, lengths):
                found.append((pre, n, t))
        print("/* %s +%d */" % (r, md.country_code))
        print("static const struct pat plan_%d[] = {" % md.country_code)
        seen = set()
        for pre, n, t in found:
            if (pre, n) in seen:
                continue
            seen.add((pre, n))
            print('\t{ "%s", %d },\t/* %s */' % (pre, n, t))
        print("};")


main()

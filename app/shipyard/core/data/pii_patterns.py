"""What each kind of personal data looks like: a candidate pattern, a validity check, a mask.

The patterns (RE2 syntax, which DuckDB and Python's `re` both read the same way here) find
candidates; the checks weed out look-alikes: card numbers must pass Luhn and start like a
real card, IBANs must have their country's length and pass ISO 7064 mod-97, US SSNs must
lie in the issued ranges, IP addresses must parse, phone numbers need a `+` country code or
a separated national layout and 8-15 digits (so order ids and dates are not phones).
Candidates are bounded by characters that cannot belong to the value (`(^|[^...])`),
because RE2 has no look-around.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

# Lengths of IBANs by country (ISO 13616 registry, common countries).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24,
    "XK": 20,
}  # fmt: skip


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment card numbers."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card network a number's prefix and length belong to, or None."""
    n = len(digits)
    if digits.startswith("4") and n in (13, 16, 19):
        return "visa"
    two, four = int(digits[:2]), int(digits[:4])
    if (51 <= two <= 55 or 2221 <= four <= 2720) and n == 16:
        return "mastercard"
    if two in (34, 37) and n == 15:
        return "amex"
    if (
        digits.startswith("6011") or digits.startswith("65") or 644 <= int(digits[:3]) <= 649
    ) and n in (16, 19):
        return "discover"
    if 3528 <= four <= 3589 and 16 <= n <= 19:
        return "jcb"
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return "diners" if 14 <= n <= 19 else None
    if two in (50, 56, 57, 58, 67, 63) and 12 <= n <= 19:
        return "maestro"
    if digits.startswith("62") and 16 <= n <= 19:
        return "unionpay"
    return None


def card_valid(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    return 13 <= len(digits) <= 19 and card_brand(digits) is not None and luhn_valid(digits)


def iban_valid(candidate: str) -> bool:
    """Country length and the ISO 7064 mod-97 check (remainder 1)."""
    iban = re.sub(r"\s", "", candidate).upper()
    if len(iban) < 15 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None or len(iban) != expected or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def ssn_valid(candidate: str) -> bool:
    """US SSN AAA-GG-SSSS: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    match = re.fullmatch(r"(\d{3})-(\d{2})-(\d{4})", candidate)
    if not match:
        return False
    area, group, serial = (int(g) for g in match.groups())
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


def phone_valid(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+"):
        return 8 <= len(digits) <= 15
    return 9 <= len(digits) <= 12


def ipv4_valid(candidate: str) -> bool:
    try:
        ipaddress.IPv4Address(candidate)
    except ValueError:
        return False
    return True


def ipv6_valid(candidate: str) -> bool:
    if candidate.count(":") < 2:
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_digits_keep_last(value: str, keep: int = 4) -> str:
    """Every digit but the last `keep` becomes `*`; separators stay."""
    total = sum(ch.isdigit() for ch in value)
    out, seen = [], 0
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_card(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    masked = "*" * (len(digits) - 4) + digits[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def mask_iban(value: str) -> str:
    iban = re.sub(r"\s", "", value).upper()
    masked = iban[:2] + "*" * (len(iban) - 6) + iban[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def mask_ssn(value: str) -> str:
    return "***-**-" + value[-4:]


def mask_ipv4(value: str) -> str:
    parts = value.split(".")
    return ".".join([*parts[:2], "*", "*"])


def mask_ipv6(value: str) -> str:
    return value.split(":", 1)[0] + ":****:…"


@dataclass(frozen=True)
class PiiKind:
    kind: str
    label: str
    core: str  # the value's shape
    inside: str  # a character class body: characters that cannot border the value
    valid: Callable[[str], bool] | None  # None: the pattern alone decides
    mask: Callable[[str], str]
    checksum: bool = False  # a checksum kind: most candidates in a real column pass

    @property
    def sql_pattern(self) -> str:
        """RE2 pattern for DuckDB: matches a row holding at least one candidate."""
        return f"(^|[^{self.inside}])({self.core})($|[^{self.inside}])"

    @property
    def regex(self) -> re.Pattern[str]:
        """The same shape for Python, with look-arounds so adjacent values all match."""
        return _compiled(self.core, self.inside)


@cache
def _compiled(core: str, inside: str) -> re.Pattern[str]:
    return re.compile(f"(?<![{inside}])(?:{core})(?![{inside}])", re.ASCII)


KINDS: tuple[PiiKind, ...] = (
    PiiKind(
        "email",
        "email address",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        r"A-Za-z0-9._%+@-",
        None,
        mask_email,
    ),
    PiiKind(
        "card",
        "payment card number",
        r"\d(?:[ -]?\d){12,18}",
        r"0-9A-Za-z-",
        card_valid,
        mask_card,
        checksum=True,
    ),
    PiiKind(
        "iban",
        "IBAN",
        r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}",
        r"A-Za-z0-9",
        iban_valid,
        mask_iban,
        checksum=True,
    ),
    PiiKind(
        "ssn",
        "US social security number",
        r"\d{3}-\d{2}-\d{4}",
        r"0-9A-Za-z-",
        ssn_valid,
        mask_ssn,
    ),
    PiiKind(
        "phone",
        "phone number",
        r"\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}"
        r"|\(?[2-9]\d{2}\)?[ .-]\d{3}[ .-]\d{4}"
        r"|0\d{1,4}[ /-]\d{2,4}[ -]\d{2,4}(?:[ -]\d{2,4}){0,3}",
        r"0-9A-Za-z_+-",
        phone_valid,
        lambda v: mask_digits_keep_last(v, 4),
    ),
    PiiKind(
        "ipv4",
        "IPv4 address",
        r"(?:\d{1,3}\.){3}\d{1,3}",
        r"0-9A-Za-z.-",
        ipv4_valid,
        mask_ipv4,
    ),
    PiiKind(
        "ipv6",
        "IPv6 address",
        r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}",
        r"0-9A-Za-z:.",
        ipv6_valid,
        mask_ipv6,
    ),
)


def candidates(kind: PiiKind, text: str) -> list[str]:
    """Candidate substrings of `text` for `kind` (before validation)."""
    return [m.group(0) for m in kind.regex.finditer(text)]


def first_valid(kind: PiiKind, text: str) -> str | None:
    for candidate in candidates(kind, text):
        if kind.valid is None or kind.valid(candidate):
            return candidate
    return None

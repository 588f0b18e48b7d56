#!/usr/bin/env python3
"""Generate the bundled demo workspace content: ten one-pagers and their sample datasets.

Regenerate the demo with:

    python tools/make_demo_workspace.py

using the project's virtualenv (`.venv/bin/python`), which has numpy, pydantic and ruamel.yaml.

It writes `workspace_templates/demo/projects/<slug>/onepager.md` (through `shipyard.core`, so
every one-pager is valid by construction and re-loaded as a self-check),
`workspace_templates/demo/samples/<dataset>.csv` and `workspace_templates/demo/samples/README.md`.
It deletes and recreates only `workspace_templates/demo/projects` and
`workspace_templates/demo/samples`; everything else in the demo (e.g. `shipyard.toml`) is left
alone.

Then (and alone with `--runs-only`) it makes the demo's runs with the product's own code: for
the projects in DEMO_RUNS it imports the sample as a dataset version linked to the project,
writes task.yaml, trains the baseline ladder and promotes the best exportable run, and copies
`datasets/`, each project's runs, task.yaml, data.yaml and champion.json, and the audit log
that records all of it into the template. Run ids and timestamps differ on every rebuild.

The data is synthetic, drawn from numpy's seeded Generator (one stream per dataset, derived
from SEED), so reruns give byte-identical files with the same numpy version. Every target
depends on the features plus noise, so a trained baseline beats a dummy one. Emails and phone
numbers are fake: reserved `example.*` domains and the fictional 555-01xx / 020 7946 0xxx ranges.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "app") not in sys.path:
    sys.path.insert(0, str(ROOT / "app"))

from shipyard.core.portfolio.onepager_file import load_onepager, new_onepager_doc  # noqa: E402
from shipyard.core.portfolio.onepager_model import (  # noqa: E402
    DatasetRef,
    Dates,
    Direction,
    Effort,
    OnePager,
    Owner,
    PrimaryMetric,
    Risk,
    RiskLevel,
    Scores,
    Sensitivity,
    Stage,
    TShirt,
    completeness,
    missing_key_fields,
)
from shipyard.core.workspace.layout import PROJECT_OUTPUTS  # noqa: E402

SEED = 20261123
DEMO = ROOT / "workspace_templates" / "demo"
PROJECTS_DIR = DEMO / "projects"
SAMPLES_DIR = DEMO / "samples"
MAX_SAMPLE_BYTES = 4_000_000

# --------------------------------------------------------------------------------------------
# Sample datasets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One generated CSV: its columns as already-formatted strings ("" = missing)."""

    name: str
    project: str
    description: str
    target: str
    pii: tuple[str, ...]
    columns: dict[str, list[str]]

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values())))

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(list(self.columns))
        writer.writerows(zip(*self.columns.values(), strict=True))
        return buf.getvalue()


def _num(values: np.ndarray, decimals: int = 0, missing: np.ndarray | None = None) -> list[str]:
    out = []
    for i, v in enumerate(values.tolist()):
        if missing is not None and missing[i]:
            out.append("")
        elif decimals == 0:
            out.append(str(round(v)))
        else:
            out.append(f"{v:.{decimals}f}")
    return out


def _flag(values: np.ndarray, missing: np.ndarray | None = None) -> list[str]:
    return [
        "" if missing is not None and missing[i] else ("true" if v else "false")
        for i, v in enumerate(values.tolist())
    ]


def _text(values: Sequence[str] | np.ndarray, missing: np.ndarray | None = None) -> list[str]:
    vals = values.tolist() if isinstance(values, np.ndarray) else list(values)
    return ["" if missing is not None and missing[i] else str(v) for i, v in enumerate(vals)]


def _days(base: date, offsets: np.ndarray, missing: np.ndarray | None = None) -> list[str]:
    return _text([(base + timedelta(days=int(d))).isoformat() for d in offsets], missing)


def _stamps(base: datetime, seconds: np.ndarray) -> list[str]:
    return [(base + timedelta(seconds=int(s))).isoformat(timespec="seconds") for s in seconds]


def _ids(prefix: str, n: int, start: int = 1, width: int = 6) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(start, start + n)]


def _sorted_offsets(rng: np.random.Generator, n: int, span: float) -> np.ndarray:
    return np.sort(rng.uniform(0, span, n))


def _pick(
    rng: np.random.Generator, options: Sequence[str], n: int, p: Sequence[float] | None = None
) -> np.ndarray:
    return rng.choice(np.array(options), size=n, p=p)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _bernoulli(rng: np.random.Generator, logits: np.ndarray, rate: float) -> np.ndarray:
    """Draw 0/1 with P = sigmoid(logits + b), b chosen so the expected positive rate is `rate`."""
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if _sigmoid(logits + mid).mean() < rate:
            lo = mid
        else:
            hi = mid
    return rng.random(len(logits)) < _sigmoid(logits + (lo + hi) / 2)


def _categorical(rng: np.random.Generator, logits: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Draw one label per row from softmax(logits) (rows x classes)."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    idx = (rng.random((len(p), 1)) > p.cumsum(axis=1)).sum(axis=1)
    return np.array(labels)[np.minimum(idx, len(labels) - 1)]


def _relabel(
    rng: np.random.Generator, labels: np.ndarray, classes: Sequence[str], rate: float
) -> np.ndarray:
    """Label noise: a share of rows gets a random (possibly different) class."""
    noisy = rng.random(len(labels)) < rate
    out = labels.copy()
    out[noisy] = rng.choice(np.array(classes), size=int(noisy.sum()))
    return out


FIRST_NAMES = (
    "maria", "james", "aiko", "lucas", "fatima", "noah", "elena", "omar", "sofia", "liam",
    "chen", "amara", "jonas", "priya", "mateo", "hannah", "kofi", "ines", "david", "yuki",
    "olga", "samuel", "leila", "tom", "nadia", "felix", "grace", "ravi", "clara", "diego",
)  # fmt: skip
LAST_NAMES = (
    "kowalski", "smith", "tanaka", "silva", "haddad", "miller", "rossi", "farouk", "garcia",
    "obrien", "wang", "okafor", "berg", "nair", "lopez", "schulz", "mensah", "costa", "levi",
    "sato", "ivanova", "reed", "karimi", "novak", "hassan", "weber", "liu", "iyer", "dubois",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
US_AREA_CODES = ("415", "212", "312", "617", "206", "512", "303", "646", "408", "305")


def _emails(rng: np.random.Generator, n: int) -> list[str]:
    first = _pick(rng, FIRST_NAMES, n).tolist()
    last = _pick(rng, LAST_NAMES, n).tolist()
    domain = _pick(rng, EMAIL_DOMAINS, n, p=[0.55, 0.2, 0.15, 0.1]).tolist()
    style = rng.integers(0, 4, n).tolist()
    digits = rng.integers(2, 99, n).tolist()
    out = []
    for f, last_name, d, s, k in zip(first, last, domain, style, digits, strict=True):
        local = (f"{f}.{last_name[0]}", f"{f}.{last_name}", f"{f[0]}{last_name}", f"{f}{k}")[s]
        out.append(f"{local}@{d}")
    return out


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    us = rng.random(n) < 0.85
    area = _pick(rng, US_AREA_CODES, n).tolist()
    line = rng.integers(0, 100, n).tolist()
    uk = rng.integers(0, 1000, n).tolist()
    return [
        f"+1-{a}-555-01{x:02d}" if is_us else f"+44-20-7946-0{y:03d}"
        for is_us, a, x, y in zip(us.tolist(), area, line, uk, strict=True)
    ]


def _compose(
    rng: np.random.Generator, templates: Sequence[str], slots: dict[str, Sequence[str]]
) -> str:
    template = templates[int(rng.integers(len(templates)))]
    values = {
        key: options[int(rng.integers(len(options)))]
        for key, options in sorted(slots.items())
        if "{" + key + "}" in template
    }
    return template.format(**values)


# --- support ticket summaries ---------------------------------------------------------------


def support_ticket_summaries(rng: np.random.Generator) -> Sample:
    n = 3000
    created = _stamps(datetime(2026, 5, 4, 7, 0), _sorted_offsets(rng, n, 170 * 86400))
    channel = _pick(rng, ("email", "chat", "web"), n, p=[0.5, 0.3, 0.2])
    area = _pick(rng, ("billing", "integrations", "reporting", "mobile_app", "admin"), n)
    language = _pick(rng, ("en", "de", "fr", "es", "pt"), n, p=[0.62, 0.12, 0.1, 0.1, 0.06])
    priority = _pick(rng, ("low", "normal", "high", "urgent"), n, p=[0.25, 0.5, 0.2, 0.05])
    messages = 1 + rng.poisson(3.0, n) + 2 * (channel == "email")
    words = np.round(rng.lognormal(np.log(55 * messages**0.7), 0.5))
    attachment = rng.random(n) < 0.15 + 0.15 * (area == "integrations")
    tenure = np.round(rng.gamma(2.0, 9.0, n))
    summary_words = np.clip(rng.normal(40 + 4 * messages, 12), 15, 120).round()
    z = (
        0.35 * (messages - 4)
        + 0.5 * np.log(words / 100)
        - 0.7 * (language != "en")
        - 0.03 * (tenure - 18)
        - 0.02 * (summary_words - 60)
        + 0.4 * np.isin(priority, ["high", "urgent"])
        + 0.3 * attachment
        + rng.normal(0, 0.4, n)
    )
    accepted = _bernoulli(rng, z, 0.42)
    return Sample(
        name="support_ticket_summaries",
        project="support-ticket-summaries",
        description="closed support threads with whether the agent kept the generated summary",
        target="summary_accepted",
        pii=("email",),
        columns={
            "ticket_id": _ids("T-", n, start=240001),
            "created_at": created,
            "channel": _text(channel),
            "product_area": _text(area, rng.random(n) < 0.02),
            "language": _text(language),
            "priority": _text(priority),
            "message_count": _num(messages),
            "customer_words": _num(words),
            "has_attachment": _flag(attachment),
            "agent_tenure_months": _num(tenure, missing=rng.random(n) < 0.03),
            "summary_words": _num(summary_words),
            "email": _emails(rng, n),
            "summary_accepted": _flag(accepted),
        },
    )


# --- ticket triage (text) -------------------------------------------------------------------

TRIAGE_CLASSES = ("billing", "bug", "account", "feature_request", "other")
TRIAGE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "billing": (
        "I was charged twice for the {plan} plan this month — please refund one payment.",
        "Invoice {inv} shows {amount} but our contract says {amount2}.",
        "Why was my card declined when renewing {plan}?",
        "Can you send a VAT invoice for our office in {city}?",
        "The price went up without notice. Can someone explain the new billing?",
        "We need a refund for the unused seats on our {plan} subscription.",
        "How do I change the credit card on file? The old one expired.",
        "Our receipt for {amount} is missing the company address.",
        "Please switch us from monthly to annual billing, and tell me the prorated charge.",
    ),
    "bug": (
        "The {feature} page crashes when I click {button}.",
        "Export to {fmt} gives an empty file since yesterday's update.",
        "Getting error {code} every time I try to {action}.",
        "{feature} is really slow, it takes {n} seconds to load in {browser}.",
        "Names like 'café' and 'naïve' show up as garbage characters in {feature}.",
        "The app freezes on {os} after the latest version.",
        "Downloading invoice {inv} as PDF fails with error {code}.",
        "Charts in {feature} are blank, nothing renders in {browser}.",
        "The {button} button does nothing on {os}.",
    ),
    "account": (
        "I can't log in, the password reset email never arrives.",
        "Please transfer account ownership to my colleague in {city}.",
        "How do I turn on two-factor authentication for my whole team?",
        "My account got locked after too many login attempts.",
        "We need to remove a user who left the company.",
        "SSO with {idp} stopped working for our workspace this morning.",
        "I changed jobs; can I move my account to a new email address?",
        "Please delete my account and all my data.",
        "Can't add a teammate, it says the seat limit on {plan} is reached.",
    ),
    "feature_request": (
        "It would be great if {feature} could export to {fmt}.",
        "Could you add a dark mode to the {feature}?",
        "Please support {idp} single sign-on, our IT requires it.",
        "Any plans for an API to bulk update {object}?",
        "Would love a way to schedule reports weekly.",
        "Feature idea: let us tag {object} with custom colours.",
        "Can the {feature} remember my filters between sessions?",
        "Please add an offline mode to the mobile app.",
    ),
    "other": (
        "Just wanted to say the new {feature} is great, thanks!",
        "Where is your office in {city}? We'd like to visit.",
        "Is there a partner programme for agencies?",
        "Do you offer a discount for non-profits or students?",
        "Who can I talk to about a press interview?",
        "Are you hiring in {city}?",
        "Could you recommend a consultant to help us set things up?",
    ),
}
TRIAGE_SLOTS: dict[str, tuple[str, ...]] = {
    "plan": ("Pro", "Team", "Business", "Starter"),
    "amount": ("€49.00", "$120", "£35", "$1,200.00", "€399", "$19.99"),
    "amount2": ("€39.00", "$99", "£30", "$950.00", "€349"),
    "inv": ("INV-20391", "INV-11873", "#48822", "INV-30017"),
    "city": ("Zürich", "São Paulo", "Montréal", "Kraków", "Berlin", "Austin", "Lyon", "Malmö"),
    "feature": ("dashboard", "reports", "calendar sync", "invoice editor", "CSV import",
                "mobile app", "search", "team inbox"),
    "button": ("Save", "Export", "Share", "Next", "Publish"),
    "fmt": ("CSV", "PDF", "Excel", "JSON"),
    "code": ("500", "403", "E1042", "“timeout”", "ERR_NETWORK"),
    "action": ("upload a file", "save my settings", "add a teammate", "open the report",
               "sync my calendar"),
    "browser": ("Chrome", "Safari", "Firefox", "Edge"),
    "os": ("Android 14", "iOS 18", "Windows 11", "macOS"),
    "n": ("10", "20", "30", "45", "60"),
    "idp": ("Okta", "Azure AD", "Google Workspace"),
    "object": ("contacts", "invoices", "tags", "users", "projects"),
}  # fmt: skip
TRIAGE_OPENERS = ("", "", "Hi,", "Hello team,", "Hey —", "Bonjour,", "Hi there,", "Good morning,")
TRIAGE_CLOSERS = (
    "", "", "Thanks!", "Thanks in advance.", "Cheers, {name}", "Merci, {name}", "Regards, {name}",
    "Please help asap!!", "Danke.",
)  # fmt: skip
TRIAGE_NAMES = ("Zoë", "José", "Renée", "Björn", "Ana", "Chloé", "Mike", "Lukas", "Priya",
                "François")  # fmt: skip


def support_ticket_text(rng: np.random.Generator) -> Sample:
    n = 4000
    created = _stamps(datetime(2026, 6, 1, 6, 0), _sorted_offsets(rng, n, 150 * 86400))
    channel = _pick(rng, ("email", "chat", "web_form"), n, p=[0.45, 0.3, 0.25])
    true_class = _pick(rng, TRIAGE_CLASSES, n, p=[0.25, 0.28, 0.22, 0.15, 0.10])
    texts = []
    for label in true_class.tolist():
        body = _compose(rng, TRIAGE_TEMPLATES[label], TRIAGE_SLOTS)
        if rng.random() < 0.1:
            body = body.lower()
        opener = TRIAGE_OPENERS[int(rng.integers(len(TRIAGE_OPENERS)))]
        closer = _compose(rng, TRIAGE_CLOSERS, {"name": TRIAGE_NAMES})
        texts.append(" ".join(part for part in (opener, body, closer) if part))
    category = _relabel(rng, true_class, TRIAGE_CLASSES, 0.06)  # misfiled tickets
    return Sample(
        name="support_ticket_text",
        project="ticket-triage",
        description="first message of support tickets (PII scrubbed) with the queue it belongs to",
        target="category",
        pii=(),
        columns={
            "ticket_id": _ids("T-", n, start=310001),
            "created_at": created,
            "channel": _text(channel, rng.random(n) < 0.01),
            "text": texts,
            "category": _text(category),
        },
    )


# --- churn ----------------------------------------------------------------------------------


def churn_customers(rng: np.random.Generator) -> Sample:
    n = 3000
    snapshot = date(2026, 9, 30)
    signup_offsets = rng.integers(0, (date(2026, 6, 30) - date(2022, 1, 3)).days, n)
    signup = [date(2022, 1, 3) + timedelta(days=int(d)) for d in signup_offsets]
    tenure = np.array([(snapshot - d).days / 30.44 for d in signup])
    plan = _pick(rng, ("free", "basic", "pro", "enterprise"), n, p=[0.2, 0.35, 0.33, 0.12])
    region = _pick(rng, ("na", "emea", "apac", "latam"), n, p=[0.45, 0.3, 0.15, 0.1])
    seat_mu = np.select(
        [plan == "free", plan == "basic", plan == "pro"], [0.3, 1.2, 2.5], default=4.2
    )
    seats = np.maximum(1, np.round(rng.lognormal(seat_mu, 0.6)))
    price = np.select([plan == "free", plan == "basic", plan == "pro"], [0, 12, 29], default=45)
    spend = seats * price * rng.uniform(0.8, 1.0, n)
    engagement = rng.normal(0, 1, n)
    logins = rng.poisson(np.exp(1.8 + 0.6 * engagement + 0.3 * np.log(seats)))
    days_since_login = np.minimum(120, np.round(rng.exponential(np.exp(1.5 - 0.8 * engagement))))
    last_login = [snapshot - timedelta(days=int(d)) for d in days_since_login]
    trend = rng.normal(0.05 * engagement, 0.2)
    tickets = rng.poisson(0.8 + 0.05 * seats**0.5 + 0.4 * (engagement < -1))
    nps = np.clip(np.round(7 + 1.2 * engagement + rng.normal(0, 1.8, n)), 0, 10)
    auto_renew = rng.random(n) < np.where(plan == "enterprise", 0.8, 0.55)
    plan_effect = np.select(
        [plan == "free", plan == "basic", plan == "pro"], [0.8, 0.3, 0.0], default=-0.6
    )
    z = (
        -0.45 * np.log1p(logins)
        + 0.03 * days_since_login
        - 1.4 * trend
        + 0.25 * tickets
        - 0.9 * auto_renew
        - 0.02 * tenure
        - 0.15 * (nps - 7)
        + plan_effect
        + rng.normal(0, 0.5, n)
    )
    churned = _bernoulli(rng, z, 0.17)
    return Sample(
        name="churn_customers",
        project="churn-risk",
        description="customer accounts at the 2026-09-30 snapshot, churned within 90 days",
        target="churned",
        pii=("email", "phone"),
        columns={
            "customer_id": _ids("C-", n, start=10001, width=5),
            "email": _emails(rng, n),
            "phone": _text(_phones(rng, n), rng.random(n) < 0.12),
            "signup_date": _text([d.isoformat() for d in signup]),
            "plan": _text(plan),
            "region": _text(region),
            "seats": _num(seats),
            "monthly_spend": _num(spend, 2),
            "tenure_months": _num(tenure, 1),
            "logins_30d": _num(logins),
            "login_trend": _num(trend, 3),
            "support_tickets_90d": _num(tickets),
            "nps": _num(nps, missing=rng.random(n) < 0.35),
            "last_login": _text([d.isoformat() for d in last_login]),
            "auto_renew": _flag(auto_renew),
            "churned": _flag(churned),
        },
    )


# --- fraud ----------------------------------------------------------------------------------


def card_transactions(rng: np.random.Generator) -> Sample:
    n = 5000
    offsets = _sorted_offsets(rng, n, 92 * 86400)
    ts = _stamps(datetime(2026, 8, 1), offsets)
    hour = ((offsets % 86400) // 3600).astype(int)
    channel = _pick(rng, ("pos", "online", "in_app"), n, p=[0.5, 0.35, 0.15])
    mcc = _pick(
        rng,
        ("grocery", "fuel", "restaurants", "fashion", "electronics", "travel", "digital_goods"),
        n,
        p=[0.25, 0.12, 0.18, 0.13, 0.1, 0.08, 0.14],
    )
    amount = np.round(rng.lognormal(3.6 + 0.8 * np.isin(mcc, ["electronics", "travel"]), 0.9), 2)
    currency = _pick(rng, ("USD", "EUR", "GBP"), n, p=[0.7, 0.2, 0.1])
    card_present = (channel == "pos") & (rng.random(n) < 0.97)
    country_match = rng.random(n) < 0.93
    account_age = np.round(rng.gamma(1.5, 400, n))
    velocity = rng.poisson(1.5, n)
    distance = rng.lognormal(2.0 + 1.5 * ~country_match, 1.2)
    device_new = (channel != "pos") & (rng.random(n) < 0.12)
    z = (
        0.5 * np.log(amount / 40)
        + 1.3 * ~country_match
        + 1.0 * device_new
        + 0.35 * np.minimum(velocity, 8)
        - 0.8 * np.minimum(account_age, 730) / 365
        + 1.0 * np.isin(mcc, ["electronics", "digital_goods"])
        + 0.7 * (hour < 6)
        - 1.2 * card_present
        + 0.2 * np.log1p(distance)
        + rng.normal(0, 0.4, n)
    )
    fraud = _bernoulli(rng, z, 0.04)
    return Sample(
        name="card_transactions",
        project="fraud-flag",
        description="card payments (tokenized card refs) with the chargeback-confirmed label",
        target="is_fraud",
        pii=(),
        columns={
            "txn_id": _ids("X-", n, start=7000001, width=7),
            "ts": ts,
            "local_hour": _num(hour),
            "amount": _num(amount, 2),
            "currency": _text(currency),
            "merchant_category": _text(mcc),
            "channel": _text(channel),
            "card_present": _flag(card_present),
            "country_match": _flag(country_match),
            "account_age_days": _num(account_age),
            "txns_last_24h": _num(velocity),
            "distance_from_home_km": _num(distance, 1, rng.random(n) < 0.08),
            "device_new": _flag(device_new),
            "is_fraud": _flag(fraud),
        },
    )


# --- lead scoring ---------------------------------------------------------------------------


def inbound_leads(rng: np.random.Generator) -> Sample:
    n = 3000
    created = rng.integers(0, 268, n)
    created.sort()
    size_bands = ("1-10", "11-50", "51-200", "201-1000", "1000+")
    size = _pick(rng, size_bands, n, p=[0.3, 0.3, 0.2, 0.13, 0.07])
    size_rank = np.array([size_bands.index(s) for s in size.tolist()])
    industry = _pick(
        rng, ("software", "retail", "finance", "healthcare", "education", "manufacturing"), n
    )
    source = _pick(
        rng, ("organic", "paid_search", "webinar", "referral", "event", "partner"), n,
        p=[0.3, 0.25, 0.15, 0.12, 0.1, 0.08],
    )  # fmt: skip
    country = _pick(rng, ("US", "GB", "DE", "FR", "CA", "BR", "IN"), n,
                    p=[0.4, 0.12, 0.12, 0.08, 0.08, 0.1, 0.1])  # fmt: skip
    level = _pick(
        rng, ("c_level", "manager", "individual", "student"), n, p=[0.12, 0.35, 0.45, 0.08]
    )
    interest = rng.normal(0, 1, n)
    pages = rng.poisson(np.exp(1.2 + 0.4 * interest))
    opens = rng.poisson(np.exp(0.6 + 0.3 * interest))
    demo = rng.random(n) < _sigmoid(-2.0 + 0.9 * interest)
    reply_days = rng.exponential(np.exp(0.8 - 0.3 * interest))
    source_effect = np.select(
        [source == "referral", source == "webinar", source == "event", source == "paid_search"],
        [1.0, 0.5, 0.4, -0.3],
        default=0.0,
    )
    level_effect = np.select(
        [level == "c_level", level == "manager", level == "student"], [0.6, 0.4, -1.5], default=0
    )
    z = (
        0.25 * np.minimum(pages, 15)
        + 0.15 * opens
        + 1.6 * demo
        - 0.3 * reply_days
        + 0.25 * size_rank
        + source_effect
        + level_effect
        + rng.normal(0, 0.5, n)
    )
    converted = _bernoulli(rng, z, 0.12)
    return Sample(
        name="inbound_leads",
        project="lead-scoring",
        description="inbound leads from the CRM with 30-day engagement and whether they converted",
        target="converted",
        pii=("email", "phone"),
        columns={
            "lead_id": _ids("L-", n, start=50001, width=5),
            "created_date": _days(date(2026, 1, 5), created),
            "email": _emails(rng, n),
            "phone": _text(_phones(rng, n), rng.random(n) < 0.3),
            "company_size": _text(size),
            "industry": _text(industry, rng.random(n) < 0.05),
            "source": _text(source),
            "country": _text(country),
            "job_level": _text(level, rng.random(n) < 0.07),
            "pages_viewed": _num(pages),
            "email_opens": _num(opens),
            "demo_requested": _flag(demo),
            "days_to_first_reply": _num(reply_days, 1, rng.random(n) < 0.2),
            "converted": _flag(converted),
        },
    )


# --- on-page suggestion ---------------------------------------------------------------------


def onpage_impressions(rng: np.random.Generator) -> Sample:
    n = 4000
    offsets = _sorted_offsets(rng, n, 60 * 86400)
    hour = ((offsets % 86400) // 3600).astype(int)
    page = _pick(rng, ("product", "cart", "article", "search_results", "checkout"), n,
                 p=[0.4, 0.15, 0.2, 0.2, 0.05])  # fmt: skip
    device = _pick(rng, ("mobile", "desktop", "tablet"), n, p=[0.6, 0.33, 0.07])
    depth = 1 + rng.poisson(3, n)
    returning = rng.random(n) < 0.4
    position = _pick(rng, ("top", "inline", "sidebar"), n, p=[0.3, 0.45, 0.25])
    scroll = np.clip(rng.beta(2, 2, n) * 100, 0, 100)
    price_band = _pick(rng, ("low", "mid", "high"), n, p=[0.45, 0.4, 0.15])
    no_price = np.isin(page, ["article", "search_results"])
    page_effect = np.select(
        [page == "product", page == "cart", page == "article", page == "checkout"],
        [0.8, 1.1, -0.5, -1.4],
        default=0.2,
    )
    z = (
        page_effect
        + 0.5 * returning
        + 0.12 * np.minimum(depth, 10)
        + np.select([position == "top", position == "inline"], [0.6, 0.25], default=-0.7)
        - 0.4 * (device == "mobile")
        + 0.012 * (scroll - 50)
        + 0.3 * ((hour >= 19) & (hour <= 22))
        - 0.3 * (price_band == "high") * ~no_price
        + rng.normal(0, 0.4, n)
    )
    clicked = _bernoulli(rng, z, 0.09)
    return Sample(
        name="onpage_impressions",
        project="onpage-suggestion",
        description="impressions of the next-step suggestion card (1% sample), clicked or not",
        target="clicked",
        pii=(),
        columns={
            "impression_id": _ids("I-", n, start=900001),
            "ts": _stamps(datetime(2026, 6, 1), offsets),
            "local_hour": _num(hour),
            "page_type": _text(page),
            "device": _text(device),
            "session_depth": _num(depth),
            "is_returning": _flag(returning),
            "position": _text(position),
            "scroll_depth_pct": _num(scroll, missing=rng.random(n) < 0.05),
            "price_band": _text(price_band, no_price),
            "clicked": _flag(clicked),
        },
    )


# --- demand forecast ------------------------------------------------------------------------

HOLIDAYS = {
    date(2025, 11, 27), date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 26),
    date(2025, 12, 31), date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6),
    date(2026, 5, 25), date(2026, 7, 3), date(2026, 9, 7),
}  # fmt: skip


def store_daily_sales(rng: np.random.Generator) -> Sample:
    start, days = date(2025, 10, 1), 365
    stores = {"S01": (3.0, 16.0), "S02": (2.6, 12.0), "S03": (2.2, 20.0), "S04": (2.8, 9.0)}
    skus = {"oat_milk_1l": (0.6, 2.49, 0.0), "cold_brew_500ml": (0.0, 3.99, 0.05),
            "sourdough_loaf": (0.3, 5.49, -0.01)}  # fmt: skip
    dow_effect = np.array([-0.15, -0.2, -0.1, 0.0, 0.15, 0.35, 0.2])  # Monday first
    promo_weeks = {(s, k): rng.random(53) < 0.12 for s in sorted(stores) for k in sorted(skus)}
    cols: dict[str, list[str]] = {
        k: [] for k in ("date", "store_id", "sku", "price", "promo", "holiday", "temperature_c",
                        "units_sold")
    }  # fmt: skip
    for d in range(days):
        day = start + timedelta(days=d)
        season = np.cos(2 * np.pi * (day.timetuple().tm_yday - 200) / 365)
        for store, (store_level, mean_temp) in stores.items():
            temp = mean_temp + 9 * season + rng.normal(0, 2.5)
            temp_missing = rng.random() < 0.03
            for sku, (sku_level, base_price, temp_slope) in skus.items():
                promo = bool(promo_weeks[(store, sku)][d // 7])
                price = base_price * (0.8 if promo else 1.0) * (1 + 0.0002 * d)
                log_mu = (
                    store_level
                    + sku_level
                    + dow_effect[day.weekday()]
                    + 0.45 * promo
                    - 1.2 * np.log(price / base_price)
                    + 0.3 * (day in HOLIDAYS)
                    + temp_slope * (temp - mean_temp)
                    + 0.0006 * d
                    + rng.normal(0, 0.1)
                )
                cols["date"].append(day.isoformat())
                cols["store_id"].append(store)
                cols["sku"].append(sku)
                cols["price"].append(f"{price:.2f}")
                cols["promo"].append("true" if promo else "false")
                cols["holiday"].append("true" if day in HOLIDAYS else "false")
                cols["temperature_c"].append("" if temp_missing else f"{temp:.1f}")
                cols["units_sold"].append(str(int(rng.poisson(np.exp(log_mu)))))
    return Sample(
        name="store_daily_sales",
        project="demand-forecast",
        description="daily units per store and SKU with price, promo, holiday and weather",
        target="units_sold",
        pii=(),
        columns=cols,
    )


# --- invoice routing ------------------------------------------------------------------------

ROUTES = ("auto_approve", "manager_review", "procurement", "tax_team")


def invoice_documents(rng: np.random.Generator) -> Sample:
    n = 2500
    offsets = _sorted_offsets(rng, n, 120 * 86400)
    vendor_country = _pick(rng, ("US", "CA", "DE", "GB", "MX", "IN"), n,
                           p=[0.68, 0.08, 0.08, 0.07, 0.05, 0.04])  # fmt: skip
    foreign = vendor_country != "US"
    currency = np.where(
        foreign & (rng.random(n) < 0.7),
        np.select(
            [vendor_country == "DE", vendor_country == "GB", vendor_country == "CA"],
            ["EUR", "GBP", "CAD"],
            default="USD",
        ),
        "USD",
    )
    amount = np.round(rng.lognormal(6.8, 1.3, n), 2)
    lines = 1 + rng.poisson(3, n)
    has_po = rng.random(n) < 0.62
    vendor_known = rng.random(n) < 0.8
    doc_type = _pick(rng, ("pdf_native", "scanned", "e_invoice"), n, p=[0.55, 0.3, 0.15])
    ocr = np.where(doc_type == "scanned", rng.beta(8, 2, n), rng.beta(40, 1, n))
    cost_center = _pick(rng, ("ops", "marketing", "it", "facilities", "rnd"), n)
    due = _pick(rng, ("14", "30", "45", "60"), n, p=[0.15, 0.55, 0.15, 0.15])
    domestic_tax = _pick(rng, ("0.00", "0.0725", "0.08875"), n, p=[0.2, 0.5, 0.3])
    tax_rate = np.where(foreign, _pick(rng, ("0.00", "0.19", "0.20"), n), domestic_tax)
    log_amount = np.log(amount / 1000)
    logits = np.column_stack(
        [
            0.4 + 1.5 * has_po + 1.2 * vendor_known - 1.0 * log_amount + 6.0 * (ocr - 0.9),
            0.2 + 1.0 * log_amount + 1.2 * ~has_po,
            -0.6 + 2.8 * ~vendor_known + 0.1 * lines,
            -1.6 + 3.2 * foreign + 0.8 * (tax_rate == "0.00"),
        ]
    ) + rng.normal(0, 0.2, (n, len(ROUTES)))
    route = _categorical(rng, logits, ROUTES)
    return Sample(
        name="invoice_documents",
        project="invoice-routing",
        description="invoice header fields from the AP inbox with the queue AP routed them to",
        target="route",
        pii=(),
        columns={
            "invoice_id": _ids("INV-", n, start=400001),
            "received_at": _stamps(datetime(2026, 6, 1, 8, 0), offsets),
            "vendor_country": _text(vendor_country),
            "currency": _text(currency),
            "amount": _num(amount, 2),
            "line_items": _num(lines),
            "has_po_number": _flag(has_po),
            "vendor_known": _flag(vendor_known),
            "doc_type": _text(doc_type),
            "ocr_confidence": _num(ocr, 3, (doc_type == "e_invoice") | (rng.random(n) < 0.02)),
            "cost_center": _text(cost_center, rng.random(n) < 0.04),
            "due_in_days": _text(due),
            "tax_rate": _text(tax_rate),
            "route": _text(route),
        },
    )


# --- search query intent --------------------------------------------------------------------

INTENTS = ("product", "support", "order_status", "navigational")
QUERY_TEMPLATES: dict[str, tuple[str, ...]] = {
    "product": ("{product}", "{product} {attr}", "{attr} {product}", "{product} size {size}",
                "cheap {product}", "{brand} {product}", "{product} for {who}", "best {product}"),
    "support": ("how to {action}", "{topic} policy", "can i {action}", "{action}",
                "help with {topic}", "{topic} question", "why was my {topic} rejected"),
    "order_status": ("where is my order", "order {num}", "track order {num}", "track package",
                     "order {num} status", "when will my order arrive", "delivery status {num}",
                     "{num}", "wo ist meine bestellung"),
    "navigational": ("login", "sign in", "my account", "contact us", "store locator", "careers",
                     "gift cards", "wishlist", "{brand} store {city}", "newsletter"),
}  # fmt: skip
QUERY_SLOTS: dict[str, tuple[str, ...]] = {
    "product": ("running shoes", "rain jacket", "crème brûlée torch", "café table", "backpack",
                "yoga mat", "espresso machine", "hoodie", "desk lamp", "headphones"),
    "attr": ("waterproof", "black", "wireless", "organic cotton", "kids", "xl", "vegan leather"),
    "size": ("44", "10.5", "m", "xl", "32/34"),
    "brand": ("northpeak", "müller", "aurora", "kestrel"),
    "who": ("men", "women", "kids", "dogs"),
    "action": ("return an item", "change delivery address", "cancel my order",
               "use a gift card", "reset password", "exchange a size"),
    "topic": ("refund", "return", "warranty", "shipping", "price match"),
    "num": ("48213", "55821", "A-77310", "10094", "#62007"),
    "city": ("zürich", "münchen", "austin", "lyon"),
}  # fmt: skip


def search_queries(rng: np.random.Generator) -> Sample:
    n = 3000
    offsets = _sorted_offsets(rng, n, 45 * 86400)
    true_intent = _pick(rng, INTENTS, n, p=[0.5, 0.2, 0.18, 0.12])
    queries = [_compose(rng, QUERY_TEMPLATES[i], QUERY_SLOTS) for i in true_intent.tolist()]
    locale = _pick(rng, ("en-US", "en-GB", "de-DE", "fr-FR"), n, p=[0.55, 0.15, 0.18, 0.12])
    device = _pick(rng, ("mobile", "desktop", "app"), n, p=[0.55, 0.3, 0.15])
    results_mu = np.select(
        [true_intent == "product", true_intent == "support", true_intent == "order_status"],
        [4.5, 1.5, 0.5],
        default=1.0,
    )
    results = np.round(rng.lognormal(results_mu, 0.8))
    intent = _relabel(rng, true_intent, INTENTS, 0.04)  # annotator disagreement
    return Sample(
        name="search_queries",
        project="search-query-intent",
        description="site-search queries with the intent two annotators agreed on",
        target="intent",
        pii=(),
        columns={
            "query_id": _ids("Q-", n, start=1, width=6),
            "ts": _stamps(datetime(2026, 9, 1), offsets),
            "locale": _text(locale),
            "device": _text(device, rng.random(n) < 0.02),
            "query": queries,
            "results_count": _num(results),
            "intent": _text(intent),
        },
    )


# --- FAQ chatbot ----------------------------------------------------------------------------


def faq_chat_sessions(rng: np.random.Generator) -> Sample:
    n = 2000
    offsets = _sorted_offsets(rng, n, 75 * 86400)
    locale = _pick(rng, ("en", "de", "fr", "es"), n, p=[0.6, 0.15, 0.15, 0.1])
    entry = _pick(rng, ("help_center", "pricing", "checkout", "account", "home"), n,
                  p=[0.35, 0.15, 0.15, 0.2, 0.15])  # fmt: skip
    tier = _pick(rng, ("free", "paid", "enterprise"), n, p=[0.5, 0.4, 0.1])
    top_score = np.clip(rng.beta(5, 3, n) - 0.08 * (locale != "en"), 0, 1)
    matched = top_score + rng.normal(0, 0.05, n) > 0.62
    turns = 1 + rng.poisson(np.where(matched, 2.0, 3.5))
    rephrased = rng.random(n) < np.where(matched, 0.15, 0.45)
    minutes = rng.gamma(2.0, 1.2 + 0.4 * turns)
    z = (
        3.0 * (top_score - 0.6)
        + 1.0 * matched
        - 0.8 * rephrased
        - 0.25 * turns
        + 0.6 * (entry == "help_center")
        - 0.7 * (tier == "enterprise")
        - 0.5 * (locale != "en")
        + rng.normal(0, 0.4, n)
    )
    deflected = _bernoulli(rng, z, 0.11)
    return Sample(
        name="faq_chat_sessions",
        project="faq-deflection-bot",
        description="chat-widget sessions from the bot's canary, metadata only (no transcripts)",
        target="deflected",
        pii=(),
        columns={
            "session_id": _ids("S-", n, start=700001),
            "started_at": _stamps(datetime(2026, 5, 18, 7, 0), offsets),
            "locale": _text(locale),
            "entry_page": _text(entry),
            "customer_tier": _text(tier, rng.random(n) < 0.1),
            "turns": _num(turns),
            "bot_top_score": _num(top_score, 3),
            "matched_faq": _flag(matched),
            "user_rephrased": _flag(rephrased),
            "minutes_in_session": _num(minutes, 1),
            "deflected": _flag(deflected),
        },
    )


SAMPLE_BUILDERS: tuple[Callable[[np.random.Generator], Sample], ...] = (
    support_ticket_summaries,
    support_ticket_text,
    churn_customers,
    card_transactions,
    inbound_leads,
    onpage_impressions,
    store_daily_sales,
    invoice_documents,
    search_queries,
    faq_chat_sessions,
)


def build_samples() -> list[Sample]:
    # One independent stream per dataset, so editing one generator leaves the others unchanged.
    return [build(np.random.default_rng([SEED, i])) for i, build in enumerate(SAMPLE_BUILDERS)]


# --------------------------------------------------------------------------------------------
# One-pagers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    slug: str
    onepager: OnePager
    body: str


def _md(text: str) -> str:
    return "\n" + textwrap.dedent(text).strip() + "\n"


def build_projects() -> list[Project]:
    return [
        Project(
            "ticket-triage",
            OnePager(
                title="Ticket triage — route new tickets to the right queue automatically",
                outcome="Tickets land in the right queue on arrival; first response 25% faster.",
                hypothesis=(
                    "A TF-IDF + linear classifier on the first message routes tickets to billing, "
                    "bug, account, feature request or other with macro-F1 ≥ 0.80, so agents stop "
                    "re-queuing tickets by hand."
                ),
                primary_metric=PrimaryMetric(name="macro_f1", target=0.80),
                owner=Owner(name="Priya Nair", contact="priya.nair@example.com"),
                team=["Priya Nair (product)", "Tomás Ortega (ML)", "Lena Berg (infra)"],
                dataset=DatasetRef(
                    name="support_ticket_text",
                    lineage="Helpdesk export (first message), PII scrubbed, weekly, "
                    "owner: support-ops",
                ),
                dependencies=["helpdesk-api", "pii-scrubber", "feature-flag-service"],
                risk=Risk(
                    level=RiskLevel.LOW,
                    data_sensitivity=Sensitivity.INTERNAL,
                    pii=False,
                    compliance_notes=(
                        "Ticket text passes the PII scrubber (emails, phone and card numbers "
                        "masked) before export; no customer identifiers are kept."
                    ),
                ),
                effort=Effort(tshirt=TShirt.S, fte_weeks=3),
                scores=Scores(
                    reach=14000,
                    impact=4,
                    confidence=4.5,
                    effort=1.5,
                    time_criticality=3,
                    risk_reduction=2,
                ),
                stage=Stage.FULL,
                stage_since=date(2026, 7, 20),
                dates=Dates(start=date(2026, 2, 2), review=date(2027, 1, 18)),
            ),
            _md("""
                ## Problem
                About 14,000 tickets a quarter arrive in one shared inbox. Agents spend ~40 s per
                ticket choosing a queue, and 18% are re-queued at least once, which adds a median
                3.5 h to first response.

                ## Approach
                TF-IDF (word + character n-grams) with logistic regression on the first message,
                trained on 4,000 labelled tickets (`samples/support_ticket_text.csv`). Tickets
                scoring below 0.55 confidence stay in the shared inbox.

                ## Success criteria
                - Macro-F1 ≥ 0.80 on the held-out month; no class below 0.70 recall.
                - Re-queue rate below 8% after four weeks at 100%.
                - p95 inference latency < 50 ms.

                ## Risks & mitigations
                - Misfiled labels (~6% in the export): relabel sprint on the confusion hot spots.
                - New product areas shift the vocabulary: monthly drift report on token mix.

                ## Rollout
                Shadow two weeks → canary 5% → progressive 50% → full since 2026-07-20.
                Kill switch sends everything back to the shared inbox.
            """),
        ),
        Project(
            "lead-scoring",
            OnePager(
                title="Lead scoring — sales works the most promising inbound leads first",
                outcome="Reps call leads in score order and book 15% more demos per rep-week.",
                hypothesis=(
                    "Engagement signals (pages viewed, demo request, email opens) predict 30-day "
                    "conversion with AUC ≥ 0.78; the top decile converts at 3× the average rate."
                ),
                primary_metric=PrimaryMetric(name="roc_auc", target=0.78),
                owner=Owner(name="Marcus Webb", contact="marcus.webb@example.com"),
                team=["Marcus Webb (product)", "Aiko Tanaka (ML)", "Dev Patel (RevOps)"],
                dataset=DatasetRef(
                    name="inbound_leads",
                    lineage="CRM export (leads + marketing activity), nightly, owner: revops",
                ),
                dependencies=[
                    "crm-nightly-export",
                    "marketing-automation-events",
                    "feature-flag-service",
                ],
                risk=Risk(
                    level=RiskLevel.MEDIUM,
                    data_sensitivity=Sensitivity.CONFIDENTIAL,
                    pii=True,
                    compliance_notes=(
                        "Leads carry email and phone. The model trains without contact fields "
                        "(dropped before the split); legitimate-interest assessment on file; "
                        "opt-outs honoured by the CRM export."
                    ),
                ),
                effort=Effort(tshirt=TShirt.M, fte_weeks=5),
                scores=Scores(
                    reach=3000,
                    impact=4,
                    confidence=4,
                    effort=2,
                    time_criticality=3,
                    risk_reduction=1,
                ),
                stage=Stage.PROGRESSIVE,
                stage_since=date(2026, 10, 27),
                dates=Dates(start=date(2026, 3, 16), review=date(2026, 12, 14)),
            ),
            _md("""
                ## Problem
                Inbound leads (~3,000 a quarter) are worked first-in, first-out. 12% convert, but
                reps spend the same time on a student download as on a demo request from a
                200-person company.

                ## Approach
                Gradient-boosted trees on engagement, firmographics and source
                (`samples/inbound_leads.csv`), with a logistic-regression baseline. Scores are
                written back to the CRM nightly as a 1–10 band.

                ## Success criteria
                - ROC AUC ≥ 0.78 on leads from the last 6 weeks (time-based split).
                - Top-decile conversion ≥ 3× the base rate.
                - Demos booked per rep-week +15% in the treated group vs. control.

                ## Risks & mitigations
                - Reps ignore the score: show the top three reasons next to it.
                - Feedback loop (only high scores get called): keep a 10% random holdout.

                ## Rollout
                Canary with 2 of 14 reps in September, progressive 50% of reps since 2026-10-27.
                Full rollout if the demo lift holds through the December review.
            """),
        ),
        Project(
            "support-ticket-summaries",
            OnePager(
                title="Search summaries for support tickets — 30% faster resolution",
                outcome="Agents read a 3-line summary instead of the whole thread on long tickets.",
                hypothesis=(
                    "Showing a generated summary on threads with 4+ messages cuts average handle "
                    "time by 20% without lowering CSAT; an acceptance model decides which threads "
                    "get one."
                ),
                primary_metric=PrimaryMetric(
                    name="avg_handle_time_minutes", target=14.5, direction=Direction.MINIMIZE
                ),
                owner=Owner(name="Sofia Marin", contact="sofia.marin@example.com"),
                team=["Sofia Marin (product)", "Kofi Mensah (ML)", "Lena Berg (infra)"],
                dataset=DatasetRef(
                    name="support_ticket_summaries",
                    lineage="Helpdesk threads + summary feedback clicks, daily, owner: support-ops",
                ),
                dependencies=[
                    "llm-gateway",
                    "helpdesk-api",
                    "ticket-triage",
                    "feature-flag-service",
                ],
                risk=Risk(
                    level=RiskLevel.MEDIUM,
                    data_sensitivity=Sensitivity.CONFIDENTIAL,
                    pii=True,
                    compliance_notes=(
                        "Threads hold customer emails; summaries are generated in-region through "
                        "the LLM gateway with zero retention. The sample keeps the email column "
                        "for joins only: drop it before training."
                    ),
                ),
                effort=Effort(tshirt=TShirt.M, fte_weeks=6),
                scores=Scores(
                    reach=30000,
                    impact=4,
                    confidence=3,
                    effort=3,
                    time_criticality=2,
                    risk_reduction=1,
                ),
                stage=Stage.CANARY,
                stage_since=date(2026, 11, 9),
                dates=Dates(start=date(2026, 4, 6), review=date(2026, 12, 7)),
            ),
            _md("""
                ## Problem
                Average handle time is 18 minutes; on threads with 4+ messages agents spend about
                a third of it re-reading history. Agents kept only 42% of the pilot summaries.

                ## Approach
                LLM summary through the shared gateway, plus a small classifier
                (`samples/support_ticket_summaries.csv`, target `summary_accepted`) that only
                shows a summary when the agent is likely to keep it.

                ## Success criteria
                - Average handle time ≤ 14.5 min on treated tickets (from 18).
                - CSAT no worse than −0.1 vs. control; summary kept rate ≥ 60%.
                - Cost per 1,000 summaries < $4.

                ## Risks & mitigations
                - Hallucinated facts in a summary: link every sentence to its source message.
                - Non-English threads do worse: English-only during canary.

                ## Rollout
                Shadow in October (summaries logged, not shown). Canary at 5% of agents since
                2026-11-09; automatic rollback if handle time rises 10% or error rate > 0.5%.
            """),
        ),
        Project(
            "fraud-flag",
            OnePager(
                title="Fraud flag — hold risky card-not-present payments for review",
                outcome="Review the riskiest 1% of payments; catch 60% of fraud before settlement.",
                hypothesis=(
                    "Velocity, device and geography signals reach 60% recall at a 1% review rate "
                    "with precision ≥ 0.30."
                ),
                primary_metric=PrimaryMetric(name="recall_at_1pct_review", target=0.60),
                owner=Owner(name="Daniel Kim", contact="daniel.kim@example.com"),
                team=[
                    "Daniel Kim (product)",
                    "Elena Rossi (ML)",
                    "Omar Haddad (risk-ops)",
                    "Lena Berg (infra)",
                ],
                dataset=DatasetRef(
                    name="card_transactions",
                    lineage="Payments event stream, card numbers tokenized upstream, hourly, "
                    "owner: payments-data",
                ),
                dependencies=[
                    "payments-event-stream",
                    "device-fingerprint-service",
                    "risk-ops-review-queue",
                ],
                risk=Risk(
                    level=RiskLevel.HIGH,
                    data_sensitivity=Sensitivity.RESTRICTED,
                    pii=False,
                    compliance_notes=(
                        "PCI DSS: only tokenized card references leave the vault. Holds longer "
                        "than 24 h need a risk-ops decision. The model card must report recall "
                        "and false-positive rate by country."
                    ),
                ),
                effort=Effort(tshirt=TShirt.L, fte_weeks=10),
                scores=Scores(
                    reach=1_200_000,
                    impact=5,
                    confidence=3,
                    effort=4,
                    time_criticality=4,
                    risk_reduction=5,
                ),
                stage=Stage.SHADOW,
                stage_since=date(2026, 10, 5),
                dates=Dates(start=date(2026, 5, 11), review=date(2026, 11, 16)),
            ),
            _md("""
                ## Problem
                Card-not-present fraud is ~4% of disputed volume and cost $310k last quarter.
                The rules engine catches 35% of it and flags 3% of all payments.

                ## Approach
                Gradient-boosted trees on amount, merchant category, velocity, device and
                geography (`samples/card_transactions.csv`, target `is_fraud`, ~4% positive).
                Class weights, not resampling; threshold set at a 1% review rate.

                ## Success criteria
                - Recall ≥ 0.60 at a 1% review rate; precision ≥ 0.30.
                - No country with false-positive rate > 2× the overall rate.
                - p95 scoring latency < 80 ms inside the payment path.

                ## Risks & mitigations
                - Labels arrive late (chargebacks take 30–60 days): train on data older than 60 d.
                - Blocking good customers: flag for review only, never auto-decline.

                ## Rollout
                Shadow since 2026-10-05, scoring every payment next to the rules engine. Canary at
                1% needs the gate report and a risk-ops sign-off; review is overdue.
            """),
        ),
        Project(
            "churn-risk",
            OnePager(
                title="Churn risk — reach at-risk accounts before renewal",
                outcome="CS calls the 10% of accounts most likely to churn, 60 days out.",
                hypothesis=(
                    "Usage decline and support load predict churn in the next 90 days with "
                    "AUC ≥ 0.75; outreach to the top decile cuts their churn by a quarter."
                ),
                primary_metric=PrimaryMetric(name="roc_auc", target=0.75),
                owner=Owner(name="Hannah Schulz", contact="hannah.schulz@example.com"),
                team=["Hannah Schulz (product)", "Aiko Tanaka (ML)"],
                dataset=DatasetRef(
                    name="churn_customers",
                    lineage="CRM export + product usage rollup, nightly, owner: data-platform",
                ),
                dependencies=["crm-nightly-export", "usage-rollup (dbt)", "cs-playbook-tool"],
                risk=Risk(
                    level=RiskLevel.MEDIUM,
                    data_sensitivity=Sensitivity.CONFIDENTIAL,
                    pii=True,
                    compliance_notes=(
                        "The export has customer email and phone for outreach; the model must "
                        "not use them. Samples are deleted after 90 days."
                    ),
                ),
                effort=Effort(tshirt=TShirt.M, fte_weeks=6),
                scores=Scores(
                    reach=3200,
                    impact=4,
                    confidence=2.5,
                    effort=3,
                    time_criticality=3,
                    risk_reduction=2,
                ),
                stage=Stage.MVP,
                stage_since=date(2026, 6, 1),
                dates=Dates(start=date(2026, 3, 2), review=date(2026, 11, 2)),
            ),
            _md("""
                ## Problem
                17% of accounts churn within 90 days of a snapshot; CS only hears about it at the
                renewal call, when 70% have already decided.

                ## Approach
                Logistic regression, then gradient-boosted trees, on usage, support and plan
                features (`samples/churn_customers.csv`, target `churned`). Contact columns are
                dropped before training.

                ## Success criteria
                - ROC AUC ≥ 0.75 on the latest snapshot; calibrated within ±5 points per decile.
                - Top decile captures ≥ 30% of churners.
                - Churn in contacted accounts −25% vs. holdout after one renewal cycle.

                ## Risks & mitigations
                - CS capacity: cap the list at 40 accounts per CSM per month.
                - NPS is missing for a third of accounts: do not let the model lean on it.

                ## Rollout
                Stuck in MVP since June waiting for the usage rollup to become nightly. Next:
                shadow list for two CSMs, compare with their own picks.
            """),
        ),
        Project(
            "demand-forecast",
            OnePager(
                title="Demand forecast — daily units per store and SKU",
                outcome="Store managers order from a 14-day forecast, not last year's numbers.",
                hypothesis=(
                    "A gradient-boosted regressor on calendar, price, promo and weather features "
                    "beats the seasonal-naive forecast by 15% MAE."
                ),
                primary_metric=PrimaryMetric(name="mae_units", direction=Direction.MINIMIZE),
                owner=Owner(name="Olu Adeyemi", contact="olu.adeyemi@example.com"),
                team=["Olu Adeyemi (product)", "Chen Wang (ML)", "Ravi Iyer (retail analytics)"],
                dataset=DatasetRef(
                    name="store_daily_sales",
                    lineage="POS daily aggregates + promo calendar + weather feed, daily, "
                    "owner: retail-analytics",
                ),
                dependencies=["pos-daily-aggregates", "promo-calendar", "weather-feed"],
                risk=Risk(
                    level=RiskLevel.LOW,
                    data_sensitivity=Sensitivity.INTERNAL,
                    pii=False,
                    compliance_notes="Aggregated sales only; no customer data.",
                ),
                effort=Effort(tshirt=TShirt.M, fte_weeks=5),
                scores=Scores(
                    reach=5400,
                    impact=3,
                    confidence=3,
                    effort=2.5,
                    time_criticality=2,
                    risk_reduction=2,
                ),
                stage=Stage.DISCOVERY,
                stage_since=date(2026, 10, 12),
                dates=Dates(start=date(2026, 9, 28), review=date(2026, 12, 21)),
            ),
            _md("""
                ## Problem
                Stores order fresh goods from last year's sales plus gut feel. Waste runs at 9% of
                units for bread and 6% for chilled drinks; Saturday stock-outs are common.

                ## Approach
                Seasonal-naive (same weekday last week) baseline first, then gradient-boosted
                trees on weekday, promo, price, holiday and temperature
                (`samples/store_daily_sales.csv`, target `units_sold`; 4 stores × 3 SKUs × 365 d).

                ## Success criteria
                - MAE at least 15% below seasonal-naive on the last 8 weeks (target set after the
                  baseline run).
                - Bias within ±3% per store.
                - Waste −2 points in the pilot stores over one quarter.

                ## Risks & mitigations
                - Promo calendar is edited late: freeze it 7 days ahead or fall back to no-promo.
                - Weather feed gaps (~3% of days): impute from the store's 7-day mean.

                ## Rollout
                Discovery: confirm the baseline, then shadow forecasts next to the current order
                sheet in two stores before anyone orders from them.
            """),
        ),
        Project(
            "onpage-suggestion",
            OnePager(
                title="On-page suggestion — show the next-step card only when it helps",
                outcome="Show the suggestion only where it is likely to be clicked: CTR +20%, "
                "shown 40% less often.",
                hypothesis=(
                    "Page type, session depth, position and device predict a click with "
                    "AUC ≥ 0.70, "
                    "enough to suppress low-value impressions."
                ),
                primary_metric=PrimaryMetric(name="ctr_lift_pct", target=20),
                owner=Owner(name="Camille Dubois", contact="camille.dubois@example.com"),
                team=["Camille Dubois (product)", "Jonas Weber (ML)", "Ines Costa (web)"],
                dataset=DatasetRef(
                    name="onpage_impressions",
                    lineage="Web analytics impressions + clicks, 1% sample, daily, "
                    "owner: growth-eng",
                ),
                dependencies=["web-analytics-events", "edge-config-cache", "feature-flag-service"],
                risk=Risk(
                    level=RiskLevel.LOW,
                    data_sensitivity=Sensitivity.INTERNAL,
                    pii=False,
                    compliance_notes="Pseudonymous session ids only; consent opt-outs are "
                    "filtered upstream.",
                ),
                effort=Effort(tshirt=TShirt.S, fte_weeks=3),
                scores=Scores(
                    reach=2_500_000,
                    impact=2,
                    confidence=3.5,
                    effort=2,
                    time_criticality=1,
                    risk_reduction=0,
                ),
                stage=Stage.PAUSED,
                stage_since=date(2026, 8, 17),
                dates=Dates(start=date(2026, 4, 20), review=date(2026, 10, 19)),
            ),
            _md("""
                ## Problem
                The next-step card shows on every page; CTR is 9% and users complain it covers
                content on mobile.

                ## Approach
                Logistic regression on page type, position, session depth, device, scroll depth
                and hour (`samples/onpage_impressions.csv`, target `clicked`); show the card when
                P(click) ≥ 0.08.

                ## Success criteria
                - CTR on shown cards +20% relative; cards shown 40% less often.
                - No drop in downstream add-to-cart rate.
                - p95 page latency added < 20 ms.

                ## Risks & mitigations
                - Latency on the page path: score at the edge from cached config.
                - Novelty effect: run the canary at least 14 days.

                ## Rollout
                Canary at 5% showed CTR +11% but p95 page latency +180 ms, so the flag was rolled
                back and the project paused on 2026-08-17 until the edge config cache ships.
            """),
        ),
        Project(
            "invoice-routing",
            OnePager(
                title="Invoice routing — send each invoice to the right approval queue",
                outcome="AP stops hand-sorting: 60% of invoices go straight to the right queue.",
                hypothesis="",
                primary_metric=PrimaryMetric(name="routing_accuracy", target=0.85),
                owner=Owner(name="Rafael Costa", contact=""),
                team=["Rafael Costa (finance systems)"],
                dataset=DatasetRef(
                    name="invoice_documents",
                    lineage="AP inbox + ERP invoice header export, ad hoc pull, "
                    "owner: finance-systems",
                ),
                dependencies=["erp-invoice-export", "ocr-service"],
                risk=Risk(
                    level=RiskLevel.MEDIUM,
                    data_sensitivity=Sensitivity.CONFIDENTIAL,
                    pii=False,
                    compliance_notes="Vendor bank details stay in the ERP; the sample has header "
                    "fields only. SOX: a person still approves every invoice.",
                ),
                effort=Effort(tshirt=TShirt.M, fte_weeks=4),
                scores=Scores(
                    reach=6000,
                    impact=3,
                    confidence=0,
                    effort=3,
                    time_criticality=1,
                    risk_reduction=2,
                ),
                stage=Stage.IDEA,
                stage_since=date(2026, 11, 10),
                dates=Dates(start=date(2026, 11, 10)),
            ),
            _md("""
                ## Problem
                AP receives ~2,000 invoices a month. A clerk reads each one to decide between
                auto-approve, manager review, procurement and the tax team; 1 in 5 bounces.

                ## Approach
                First look: multiclass model on header fields (`samples/invoice_documents.csv`,
                target `route`). OCR confidence matters for scanned invoices.

                ## Success criteria
                - Routing accuracy ≥ 0.85; tax-team recall ≥ 0.90 (misses are costly).
                - TBD with AP: how many invoices may skip the clerk.

                ## Risks & mitigations
                - Scanned invoices with low OCR confidence: always send to a person.
                - TBD.

                ## Rollout
                Not planned yet; needs a hypothesis and a review date before discovery.
            """),
        ),
        Project(
            "search-query-intent",
            OnePager(
                title="Search query intent — send support questions to help, not the product grid",
                outcome="'return policy' or 'where is my order' open help or order tracking "
                "directly; zero-result searches −30%.",
                hypothesis=(
                    "A character n-gram classifier labels query intent (product, support, "
                    "order status, navigational) with macro-F1 ≥ 0.85 at < 20 ms p95."
                ),
                primary_metric=PrimaryMetric(name="macro_f1", target=0.85),
                owner=Owner(name="Yusuf Demir", contact="yusuf.demir@example.com"),
                team=["Yusuf Demir (search)", "Tomás Ortega (ML)"],
                dataset=DatasetRef(
                    name="search_queries",
                    lineage="Site search logs, labelled sample (2 annotators), weekly, "
                    "owner: search-team",
                ),
                dependencies=["search-logs", "help-center-index", "feature-flag-service"],
                risk=Risk(
                    level=RiskLevel.LOW,
                    data_sensitivity=Sensitivity.INTERNAL,
                    pii=False,
                    compliance_notes="Queries containing an email or phone number are dropped "
                    "at log time; order numbers alone are not personal data.",
                ),
                effort=Effort(tshirt=TShirt.S, fte_weeks=3),
                scores=Scores(
                    reach=800_000,
                    impact=3,
                    confidence=4,
                    effort=2,
                    time_criticality=2,
                    risk_reduction=1,
                ),
                stage=Stage.MVP,
                stage_since=date(2026, 10, 26),
                dates=Dates(start=date(2026, 8, 31), review=date(2027, 2, 8)),
            ),
            _md("""
                ## Problem
                One search in five is a support or order-status question. Those searches return
                product results, 38% end with zero clicks, and many become chat sessions.

                ## Approach
                TF-IDF character n-grams + linear model (`samples/search_queries.csv`, target
                `intent`); German and French queries included. Support and order-status intents
                get a help or tracking card above the results.

                ## Success criteria
                - Macro-F1 ≥ 0.85; order-status precision ≥ 0.95.
                - Zero-click searches −30% for support intents.
                - p95 latency < 20 ms in the search service.

                ## Risks & mitigations
                - Short ambiguous queries ("returns"): fall back to normal results below 0.6.
                - Annotator disagreement (~4%): adjudicate the confusion hot spots.

                ## Rollout
                MVP model trained; shadow in the search service next, then canary at 5%.
            """),
        ),
        Project(
            "faq-deflection-bot",
            OnePager(
                title="FAQ chatbot — answer simple questions before they become tickets",
                outcome="Answer FAQ-type chat openers; deflect 25% of chat sessions from agents.",
                hypothesis=(
                    "Retrieval over 140 FAQ articles answers enough chat openers to deflect 25% "
                    "of sessions without hurting CSAT."
                ),
                primary_metric=PrimaryMetric(name="deflection_rate", target=0.25),
                owner=Owner(name="Grace Liu", contact="grace.liu@example.com"),
                team=["Grace Liu (product)", "Kofi Mensah (ML)"],
                dataset=DatasetRef(
                    name="faq_chat_sessions",
                    lineage="Chat widget sessions + handoff events, daily until 2026-09-30, "
                    "owner: support-ops",
                ),
                dependencies=["llm-gateway", "help-center-index", "chat-widget"],
                risk=Risk(
                    level=RiskLevel.MEDIUM,
                    data_sensitivity=Sensitivity.CONFIDENTIAL,
                    pii=False,
                    compliance_notes="Transcripts were never exported; the sample holds "
                    "session metadata only.",
                ),
                effort=Effort(tshirt=TShirt.M, fte_weeks=6),
                scores=Scores(reach=45000, impact=1.5, confidence=1, effort=4),
                stage=Stage.SUNSET,
                stage_since=date(2026, 10, 1),
                dates=Dates(
                    start=date(2026, 1, 12), review=date(2026, 10, 5), sunset=date(2026, 10, 31)
                ),
            ),
            _md("""
                ## Problem
                45,000 chat sessions a quarter; agents estimated a quarter were answerable from
                the help center.

                ## Approach
                Embedding retrieval over 140 FAQ articles with an answer template; hand off to an
                agent when the top score was below 0.62 or the user rephrased twice
                (`samples/faq_chat_sessions.csv`, target `deflected`).

                ## Success criteria
                - Deflection ≥ 25% of sessions; CSAT no worse than −0.1.

                ## Risks & mitigations
                - Wrong answers with confidence: hand-off threshold, thumbs-down feedback.
                - Non-English openers: scored 0.08 lower on average; no fix found.

                ## Rollout
                Canary at 10% (May–July): deflection 11% vs. the 25% target and CSAT −0.4.
                Paused in July, sunset decided at the 2026-09-30 review; flag removed 2026-10-31.
                Learnings: most openers were account-specific, not FAQ questions.
            """),
        ),
    ]


# --------------------------------------------------------------------------------------------
# Writing and checking
# --------------------------------------------------------------------------------------------


def composite(onepager: OnePager) -> float:
    s = onepager.scores
    return s.impact * s.confidence / s.effort


def write_samples(samples: list[Sample]) -> None:
    SAMPLES_DIR.mkdir(parents=True)
    for sample in samples:
        (SAMPLES_DIR / f"{sample.name}.csv").write_bytes(sample.to_csv().encode("utf-8"))
    lines = [
        "# Demo sample datasets",
        "",
        "Synthetic data generated by `tools/make_demo_workspace.py` (seed "
        f"{SEED}); do not edit by hand. Emails and phone numbers are fake (`example.*` domains, "
        "fictional 555-01xx and 020 7946 0xxx numbers). Empty cells are missing values.",
        "",
    ]
    for s in samples:
        pii = ", ".join(f"`{c}`" for c in s.pii) or "none"
        lines.append(
            f"- `{s.name}.csv` (project `{s.project}`): {s.description}; {s.rows:,} rows; "
            f"target `{s.target}`; PII columns: {pii}."
        )
    (SAMPLES_DIR / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_projects(projects: list[Project]) -> None:
    for project in projects:
        path = PROJECTS_DIR / project.slug / "onepager.md"
        new_onepager_doc(path, project.onepager, project.body).save()


def check(projects: list[Project], samples: list[Sample]) -> None:
    """Re-load what was written and fail loudly on anything inconsistent."""
    by_name = {s.name: s for s in samples}
    assert len(projects) == len(samples) == 10
    for project in projects:
        doc = load_onepager(PROJECTS_DIR / project.slug / "onepager.md")
        assert doc.onepager == project.onepager, f"{project.slug}: round trip changed the fields"
        assert doc.body == project.body, f"{project.slug}: round trip changed the narrative"
        sample = by_name[project.onepager.dataset.name]
        assert sample.project == project.slug, f"{project.slug}: dataset belongs elsewhere"
        assert (SAMPLES_DIR / f"{sample.name}.csv").is_file()
    total = 0
    for sample in samples:
        path = SAMPLES_DIR / f"{sample.name}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        assert 1000 <= len(body) <= 5000, f"{path.name}: {len(body)} rows"
        assert sample.target in header and set(sample.pii) <= set(header), path.name
        assert all(len(r) == len(header) for r in body), f"{path.name}: ragged rows"
        total += path.stat().st_size
    assert total < MAX_SAMPLE_BYTES, f"samples total {total:,} bytes"


# --------------------------------------------------------------------------------------------
# Demo runs: datasets, tasks, baseline runs and champions, made by the product's own code
# --------------------------------------------------------------------------------------------

# slug -> (sample file, dataset name, target, families)
DEMO_RUNS: dict[str, tuple[str, str, str, list[str]]] = {
    "churn-risk": ("churn_customers.csv", "churn_customers", "churned",
                   ["dummy", "linear", "trees"]),
    "lead-scoring": ("inbound_leads.csv", "inbound_leads", "converted",
                     ["dummy", "linear", "trees"]),
    "demand-forecast": ("store_daily_sales.csv", "store_daily_sales", "units_sold",
                        ["dummy", "linear", "trees"]),
    "ticket-triage": ("support_ticket_text.csv", "support_ticket_text", "category",
                      ["dummy", "linear", "text"]),
    "invoice-routing": ("invoice_documents.csv", "invoice_documents", "route",
                        ["dummy", "linear", "trees"]),
}  # fmt: skip
# Cards, gate reports, rollout policies and flags for these; the other trained projects
# show what a team sees before it gets that far ("no model card yet", gates not run).
DEMO_RELEASES = ("churn-risk", "lead-scoring", "demand-forecast")
# These also infer a data contract from their training version, so every gate check runs.
DEMO_CONTRACTS = ("churn-risk", "lead-scoring")
# A flag left behind after a launch: the portfolio shows it as stale (toggle sprawl).
STALE_FLAG_PROJECT = "demand-forecast"
MAX_RUNS_BYTES = 8_000_000


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def _relative_sources_in_audit(ws: Any, prefix: str) -> None:
    """Record sample files as `samples/x.csv`: the template must not carry the path of the
    scratch folder it was built in (version.json is fixed the same way after each import)."""
    append = ws.audit.append

    def relative(action: str, target: str, **kwargs: Any) -> Any:
        details = kwargs.get("details") or {}
        kwargs["details"] = {
            k: v.replace(prefix, "") if isinstance(v, str) else v for k, v in details.items()
        }
        return append(action, target, **kwargs)

    ws.audit.append = relative


def _prepare_release(ws: Any, slug: str, user: str, version: Any) -> None:
    """What a team adds on the way to a release: the model card, the rollout policy, the
    feature flags and a gate run of the champion, through the product's own functions."""
    from datetime import date, timedelta

    from shipyard.core.gates import run_gates
    from shipyard.core.packaging.model_card import generate_card, write_card
    from shipyard.core.rollout.flags import Flag, default_flags, save_flags
    from shipyard.core.rollout.policy import default_rollout_yaml, save_policy_text

    if slug in DEMO_CONTRACTS:
        from shipyard.core.data import infer_contract, save_contract

        save_contract(ws, slug, infer_contract(version), user=user)
    write_card(ws, slug, generate_card(ws, slug), user=user, generated=True)
    save_policy_text(ws, slug, default_rollout_yaml(slug), user=user, reason="first rollout plan")
    today = date.today()
    flags = default_flags(slug, today=today)
    if slug == STALE_FLAG_PROJECT:
        launched = today - timedelta(days=200)
        flags.flags.append(
            Flag(
                key=f"{slug}-holiday-uplift",
                description="Seasonal uplift model from last year's holiday launch",
                owner=user,
                created=launched,
                expires=launched + timedelta(days=60),
                traffic_percent=100,
            )
        )
    save_flags(ws, slug, flags, user=user, reason="flags for the rollout")
    report = run_gates(ws, slug, user=user)
    print(f"{slug:<18} gates {report.verdict} on {report.run_id}")


def build_demo_runs() -> None:
    """Import each demo project's sample, set its task, train the ladder and promote the best
    exportable run, in a scratch copy of the demo; then copy the results into the template
    (datasets/, the projects' runs, task.yaml, data.yaml, champion.json, and audit.jsonl)."""
    import tempfile

    from shipyard.core.data import import_file, link_version
    from shipyard.core.training import leaderboard, metric_label, promote, train_ladder
    from shipyard.core.training.task_file import write_task
    from shipyard.core.workspace.workspace import Workspace

    _remove(DEMO / "datasets")
    _remove(DEMO / "audit.jsonl")
    for slug in DEMO_RUNS:
        for name in PROJECT_OUTPUTS:
            _remove(PROJECTS_DIR / slug / name)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "demo"
        shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns(".shipyard", "__pycache__"))
        ws = Workspace.open(root)
        prefix = f"{root.resolve()}/"
        _relative_sources_in_audit(ws, prefix)
        for slug, (file, name, target, families) in DEMO_RUNS.items():
            entry = ws.project(slug)
            assert entry.doc is not None, f"{slug}: {entry.error}"
            user = entry.doc.onepager.owner.name or "Shipyard demo"
            version = import_file(ws, root / "samples" / file, name, user=user)
            meta = version.metadata_path
            meta.write_text(meta.read_text("utf-8").replace(prefix, ""), "utf-8")
            link_version(ws, slug, version, user=user)
            write_task(ws, slug, version.ref, target)
            records = train_ladder(ws, slug, version, target, user=user, families=families)
            board = leaderboard(ws, slug)
            best = next(r for r in board.rows if r.exportable and r.score is not None)
            reason = (
                f"best {metric_label(board.metric)} on the holdout ({best.score:.3f}) "
                f"of the first baseline ladder; ONNX parity passed"
            )
            promote(ws, slug, best.run_id, user=user, reason=reason)
            if slug in DEMO_RELEASES:
                _prepare_release(ws, slug, user, version)
            print(f"{slug:<18} {version.ref:<24} {len(records)} runs; champion {best.family} "
                  f"({board.metric} {best.score:.3f})")  # fmt: skip
        shutil.copytree(root / "datasets", DEMO / "datasets")
        shutil.copy2(root / "audit.jsonl", DEMO / "audit.jsonl")
        for slug in DEMO_RUNS:
            for name in PROJECT_OUTPUTS:
                src = root / "projects" / slug / name
                if src.is_dir():
                    shutil.copytree(src, PROJECTS_DIR / slug / name)
                elif src.exists():
                    shutil.copy2(src, PROJECTS_DIR / slug / name)
    added = _tree_bytes(DEMO / "datasets") + sum(
        _tree_bytes(PROJECTS_DIR / slug / "runs") for slug in DEMO_RUNS
    )
    print(f"demo runs: {added:,} bytes of datasets and runs")
    assert added < MAX_RUNS_BYTES, f"demo datasets and runs take {added:,} bytes"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--runs-only"]:
        build_demo_runs()
        return 0
    if args:
        print("usage: make_demo_workspace.py [--runs-only]", file=sys.stderr)
        return 2
    samples = build_samples()
    projects = build_projects()
    for folder in (PROJECTS_DIR, SAMPLES_DIR):
        if folder.exists():
            shutil.rmtree(folder)
    write_samples(samples)
    write_projects(projects)
    check(projects, samples)

    print(f"{'project':<26}{'stage':<13}{'composite':>10}  {'complete':>8}  dataset (rows, target)")
    for p in projects:
        s = next(x for x in samples if x.project == p.slug)
        missing = ", ".join(missing_key_fields(p.onepager))
        print(
            f"{p.slug:<26}{p.onepager.stage.value:<13}{composite(p.onepager):>10.2f}  "
            f"{completeness(p.onepager):>8.0%}  {s.name} ({s.rows}, {s.target})"
            + (f"  missing: {missing}" if missing else "")
        )
    total = sum(f.stat().st_size for f in SAMPLES_DIR.glob("*.csv"))
    print(f"samples: {sum(s.rows for s in samples):,} rows, {total:,} bytes in {SAMPLES_DIR}")
    build_demo_runs()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

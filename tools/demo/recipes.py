"""Sample-table recipes for the demo workspace: one function per demo dataset.

Each recipe draws its columns from the numpy Generator it is given, as already-formatted
strings ("" is a missing value). The data is synthetic: every target depends on the features
plus noise, so a trained baseline beats a dummy one. Emails and phone numbers are fake:
reserved `example.*` domains and the fictional 555-01xx / 020 7946 0xxx ranges.

What a recipe draws is code (the formulas and the order of the draws fix every byte of the
CSV); what describes a dataset (its project, description, target, PII columns, the stream of
the seed it draws from, and the words the text datasets are composed of) lives in the
project's file under `tools/demo/projects/`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict, StrictStr

Columns = dict[str, list[str]]


@dataclass(frozen=True)
class Sample:
    """One generated CSV: its columns as already-formatted strings ("" = missing)."""

    name: str
    project: str
    description: str
    target: str
    pii: tuple[str, ...]
    columns: Columns

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values())))

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(list(self.columns))
        writer.writerows(zip(*self.columns.values(), strict=True))
        return buf.getvalue()


class Vocabulary(BaseModel):
    """The words a text dataset is composed of: per class, templates whose `{slot}`s are
    filled from `slots`; optional openers and closers (`{name}` from `names`)."""

    model_config = ConfigDict(extra="forbid")

    classes: list[StrictStr]
    templates: dict[str, list[StrictStr]]
    slots: dict[str, list[StrictStr]]
    openers: list[StrictStr] = []
    closers: list[StrictStr] = []
    names: list[StrictStr] = []


def _needs(vocabulary: Vocabulary | None, dataset: str) -> Vocabulary:
    if vocabulary is None:
        raise ValueError(f"{dataset}: the project file needs demo.sample.vocabulary")
    return vocabulary


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


def support_ticket_summaries(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return {
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
    }


# --- ticket triage (text; its words are in projects/ticket-triage.md) -----------------------


def support_ticket_text(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
    vocab = _needs(vocabulary, "support_ticket_text")
    n = 4000
    created = _stamps(datetime(2026, 6, 1, 6, 0), _sorted_offsets(rng, n, 150 * 86400))
    channel = _pick(rng, ("email", "chat", "web_form"), n, p=[0.45, 0.3, 0.25])
    true_class = _pick(rng, vocab.classes, n, p=[0.25, 0.28, 0.22, 0.15, 0.10])
    texts = []
    for label in true_class.tolist():
        body = _compose(rng, vocab.templates[label], vocab.slots)
        if rng.random() < 0.1:
            body = body.lower()
        opener = vocab.openers[int(rng.integers(len(vocab.openers)))]
        closer = _compose(rng, vocab.closers, {"name": vocab.names})
        texts.append(" ".join(part for part in (opener, body, closer) if part))
    category = _relabel(rng, true_class, vocab.classes, 0.06)  # misfiled tickets
    return {
        "ticket_id": _ids("T-", n, start=310001),
        "created_at": created,
        "channel": _text(channel, rng.random(n) < 0.01),
        "text": texts,
        "category": _text(category),
    }


# --- churn ----------------------------------------------------------------------------------


def churn_customers(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return {
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
    }


# --- fraud ----------------------------------------------------------------------------------


def card_transactions(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return {
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
    }


# --- lead scoring ---------------------------------------------------------------------------


def inbound_leads(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return {
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
    }


# --- on-page suggestion ---------------------------------------------------------------------


def onpage_impressions(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return {
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
    }


# --- demand forecast ------------------------------------------------------------------------

HOLIDAYS = {
    date(2025, 11, 27), date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 26),
    date(2025, 12, 31), date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6),
    date(2026, 5, 25), date(2026, 7, 3), date(2026, 9, 7),
}  # fmt: skip


def store_daily_sales(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return cols


# --- invoice routing ------------------------------------------------------------------------

ROUTES = ("auto_approve", "manager_review", "procurement", "tax_team")


def invoice_documents(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return {
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
    }


# --- search query intent (its words are in projects/search-query-intent.md) -----------------


def search_queries(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
    vocab = _needs(vocabulary, "search_queries")
    n = 3000
    offsets = _sorted_offsets(rng, n, 45 * 86400)
    true_intent = _pick(rng, vocab.classes, n, p=[0.5, 0.2, 0.18, 0.12])
    queries = [_compose(rng, vocab.templates[i], vocab.slots) for i in true_intent.tolist()]
    locale = _pick(rng, ("en-US", "en-GB", "de-DE", "fr-FR"), n, p=[0.55, 0.15, 0.18, 0.12])
    device = _pick(rng, ("mobile", "desktop", "app"), n, p=[0.55, 0.3, 0.15])
    results_mu = np.select(
        [true_intent == "product", true_intent == "support", true_intent == "order_status"],
        [4.5, 1.5, 0.5],
        default=1.0,
    )
    results = np.round(rng.lognormal(results_mu, 0.8))
    intent = _relabel(rng, true_intent, vocab.classes, 0.04)  # annotator disagreement
    return {
        "query_id": _ids("Q-", n, start=1, width=6),
        "ts": _stamps(datetime(2026, 9, 1), offsets),
        "locale": _text(locale),
        "device": _text(device, rng.random(n) < 0.02),
        "query": queries,
        "results_count": _num(results),
        "intent": _text(intent),
    }


# --- FAQ chatbot ----------------------------------------------------------------------------


def faq_chat_sessions(rng: np.random.Generator, vocabulary: Vocabulary | None) -> Columns:
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
    return {
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
    }


Recipe = Callable[[np.random.Generator, Vocabulary | None], Columns]
# Keyed by the dataset name, i.e. the one-pager's `dataset.name`.
RECIPES: dict[str, Recipe] = {
    recipe.__name__: recipe
    for recipe in (
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
}

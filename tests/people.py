"""Made-up people and made-up things, for the personal-data tests: values of each kind of personal data that the
validators accept (BSNs that pass the eleven-test, IBANs with the right check digits, …), and a mixed table of
columns that hold no personal data at all. Seeded, so every run makes the same values."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import phonenumbers
from stdnum import iban
from stdnum.nl import bsn, postcode

FIRST = ["Jan", "Fatima", "Emma", "Mohamed", "Sanne", "Pieter", "Ayse", "Daan", "Noor", "Willem", "Lotte", "Ahmed"]
LAST = ["de Vries", "Jansen", "Bakker", "El Amrani", "Visser", "Yilmaz", "van den Berg", "Smit", "Mulder", "Bos"]
GEMEENTEN = [
    "Amsterdam",
    "Rotterdam",
    "Den Haag",
    "Utrecht",
    "Zwolle",
    "Groningen",
    "Bergen op Zoom",
    "Alphen aan den Rijn",
]
WORDS = ["aanvraag", "toeslag", "gesprek", "brief", "bezwaar", "termijn", "inkomen", "huur", "gezin", "school", "werk"]
LETTERS = list("ABCEFGHJKLMNPRTUVWXZ")


def valid(make: Callable[[np.random.Generator], str], ok: Callable[[str], bool]) -> Callable[..., list[str]]:
    """`n` distinct values of `make` that `ok` accepts."""

    def values(n: int, rng: np.random.Generator) -> list[str]:
        out: dict[str, None] = {}
        while len(out) < n:
            value = make(rng)
            if ok(value):
                out[value] = None
        return list(out)

    return values


def _iban(rng: np.random.Generator) -> str:
    account = f"INGB{rng.integers(10**9, 10**10)}"
    return f"NL{iban.calc_check_digits('NL00' + account)}{account}"


def _phone(rng: np.random.Generator) -> str:
    return f"06{rng.integers(10**7, 10**8)}" if rng.random() < 0.7 else f"+31 20 {rng.integers(10**6, 10**7)}"


def _is_phone(value: str) -> bool:
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, "NL")))


def _postcode(rng: np.random.Generator) -> str:
    letters = "".join(rng.choice(LETTERS, 2))
    return f"{rng.integers(1000, 9999)} {letters} {rng.integers(1, 300)}"


bsns = valid(lambda rng: str(rng.integers(10**8, 10**9)), bsn.is_valid)
ibans = valid(_iban, iban.is_valid)
phones = valid(_phone, _is_phone)
postcodes = valid(_postcode, lambda v: postcode.is_valid(v.rsplit(" ", 1)[0]))


def names(n: int, rng: np.random.Generator) -> list[str]:
    return [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n)]


def emails(n: int, rng: np.random.Generator) -> list[str]:
    return [f"{rng.choice(FIRST).lower()}.{i}{rng.integers(100, 999)}@mail{i % 7}.voorbeeld.nl" for i in range(n)]


def birth_dates(n: int, rng: np.random.Generator) -> list[str]:
    born = pd.Timestamp("2025-06-01") - pd.to_timedelta(rng.integers(18 * 365, 90 * 365, n), unit="D")
    return [str(d.date()) for d in born]


def ip_addresses(n: int, rng: np.random.Generator) -> list[str]:
    return [f"172.{rng.integers(16, 32)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}" for _ in range(n)]


def free_texts(n: int, rng: np.random.Generator) -> list[str]:
    return [
        f"Notitie {i}: " + " ".join(rng.choice(WORDS, int(rng.integers(8, 16)))) + f", teruggebeld op dag {i}."
        for i in range(n)
    ]


def client_codes(n: int, rng: np.random.Generator) -> list[str]:
    return [f"KL{v:08X}" for v in rng.choice(16**8, n, replace=False)]


# kind → a generator of its values; the columns get neutral names, so only the values can give them away
PERSONAL: dict[str, Callable[[int, np.random.Generator], list[str]]] = {
    "bsn": bsns,
    "iban": ibans,
    "email": emails,
    "phone": phones,
    "postcode": postcodes,
    "name": names,
    "birth_date": birth_dates,
    "ip_address": ip_addresses,
    "free_text": free_texts,
    "identifier": client_codes,
}


def personal_frame(rows: int = 300, seed: int = 7) -> pd.DataFrame:
    """One column of each kind of personal data (named `kolom_<kind>`), none of them declared."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({f"kolom_{kind}": make(rows, rng) for kind, make in PERSONAL.items()})


def things_frame(rows: int = 2_000, seed: int = 11) -> pd.DataFrame:
    """Thirty columns of varied kinds that hold no personal data: codes, categories, places, amounts, counts,
    dates of events, flags and measurements."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    return pd.DataFrame(
        {
            "productcode": [f"PRD-{v:05d}" for v in rng.integers(0, 400, rows)],
            "artikelnummer": rng.integers(100_000, 100_600, rows),
            "gemeente": rng.choice(GEMEENTEN, rows),
            "gemeentecode": [f"GM{v:04d}" for v in rng.choice([363, 599, 518, 344, 193, 14], rows)],
            "provincie": rng.choice(["Noord-Holland", "Zuid-Holland", "Utrecht", "Overijssel"], rows),
            "regeling": rng.choice(["huurtoeslag", "zorgtoeslag", "kinderopvangtoeslag"], rows),
            "status": rng.choice(["ingediend", "in behandeling", "toegekend", "afgewezen"], rows),
            "categorie": rng.choice(list("ABCDE"), rows),
            "sbi_code": rng.choice(["4711", "5610", "6201", "8559", "8610"], rows),
            "kleur": rng.choice(["rood", "groen", "blauw", "geel"], rows),
            "productnaam": rng.choice(["Boormachine 18V", "Waterkoker", "Fietsband 28 inch", "Bureaulamp"], rows),
            "merk": rng.choice(["Bosch", "Philips", "Gazelle", "Makita", "Sony"], rows),
            "bedrag": rng.lognormal(6, 1, rows).round(2),
            "bedrag_centen": rng.integers(100, 5_000, rows),
            "inkomen": rng.lognormal(10.1, 0.45, rows).round(0).astype(int),
            "aantal": rng.poisson(3, rows),
            "aantal_kinderen": rng.integers(0, 5, rows),
            "huishoudgrootte": rng.integers(1, 7, rows),
            "maanden": rng.integers(1, 400, rows),
            "score": rng.random(rows),
            "temperatuur": rng.normal(15, 6, rows).round(1),
            "percentage": rng.uniform(0, 100, rows).round(1),
            "actief": rng.random(rows) < 0.5,
            "ingangsdatum": [str((start + pd.Timedelta(days=int(d))).date()) for d in rng.integers(0, 700, rows)],
            "peildatum": pd.to_datetime(start + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")),
            "jaar": rng.choice([2022, 2023, 2024, 2025], rows),
            "week": rng.integers(1, 53, rows),
            "versie": rng.choice(["1.2.0", "1.3.1", "2.0.0"], rows),
            "valuta": rng.choice(["EUR", "USD"], rows, p=[0.9, 0.1]),
            "kanaal": rng.choice(["web", "balie", "telefoon", "post"], rows),
        }
    )

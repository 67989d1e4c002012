"""What a column's name says about personal data, in Dutch and English: `bsn`, `e-mail`, `telefoonnummer`,
`postcode`, `voornaam`, `date_of_birth`, `ip_adres`, `opmerkingen`, …

A name is split into words (`klantEmail`, `e_mail_adres` → klant, email, adres), and each word, each run of
two or three words and the whole name are looked up. Words that say the column is about something else
(`gemeente_naam`, `product_name`, `email_domain`, `aantal_telefoons`) or a count or a flag of it stop the match.
"""

from __future__ import annotations

import functools
import re

from uitlegbaar.evidence.results import PersonalKind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Most specific first: a name that fits several kinds gets the first.
WORDS: dict[PersonalKind, frozenset[str]] = {
    "bsn": _words(
        "bsn bsnnummer burgerservicenummer sofinummer sofi ssn socialsecuritynumber nationalid "
        "nationalidentifier citizenservicenumber anummer"
    ),
    "iban": _words("iban rekeningnummer rekeningnr bankrekening bankrekeningnummer bankaccount"),
    "email": _words("email emailadres emailaddress mailadres eadres"),
    "phone": _words(
        "telefoon telefoonnummer telefoonnr telnr tel phone phonenumber telephone mobiel mobielnummer mobile "
        "mobilenumber gsm"
    ),
    "birth_date": _words("geboortedatum geboortedag gebdatum gebdat birthdate dateofbirth dob birthday geboren born"),
    "ip_address": _words("ip ipadres ipaddress ipv4 ipv6 clientip remoteip remoteaddr"),
    "postcode": _words("postcode zipcode zip postalcode pc6"),
    "address": _words(
        "adres address woonadres postadres verblijfadres correspondentieadres straat straatnaam street "
        "streetname huisnummer huisnr housenumber huisletter huisnummertoevoeging"
    ),
    "name": _words(
        "naam name voornaam voornamen achternaam roepnaam tussenvoegsel geslachtsnaam familienaam meisjesnaam "
        "initialen voorletters firstname givenname lastname surname familyname fullname volledigenaam username "
        "gebruikersnaam klantnaam contactpersoon"
    ),
    "free_text": _words(
        "opmerking opmerkingen toelichting notitie notities note notes comment comments remarks memo vrijetekst "
        "freetext"
    ),
}
# Words beside a generic one (`naam`, `adres`, …) that make the column about a thing, not a person.
NOT_A_PERSON = _words(
    "product artikel item gemeente municipality bedrijf company organisatie organisation organization org stad "
    "city plaats place provincie province regio region wijk buurt district land country bestand file kolom "
    "column veld field model dataset project categorie category feature tabel table host hostname domain "
    "domein server service dienst app url site web merk brand regeling afdeling department team school "
    "instelling taak task proces process stap step schema event pakket package attribute attribuut"
)
# Words that make the column a count, kind, flag or part of the personal data rather than the data itself.
NOT_THE_VALUE = _words(
    "aantal count n type soort status valid geldig verified geverifieerd length lengte flag indicator "
    "has heeft is bekend known missing ontbreekt format formaat provider landcode countrycode range bereik "
    "subnet prefix versie version domain domein"
)
# Words that say a column identifies a person (`klant_id`, `patient_nr`), or identifies rows at all (`id`, `nr`).
PERSON_WORDS = _words(
    "klant client customer burger persoon person patient aanvrager applicant user gebruiker medewerker employee "
    "werknemer student leerling lid member relatie deelnemer participant account bewoner resident huurder "
    "tenant"
)
IDENTIFIER_WORDS = _words(
    "id nr nummer number num no key sleutel kenmerk ref referentie code uuid guid pseudoniem pseudonym hash"
)
_GENERIC = frozenset({"naam", "name", "adres", "address", "straat", "street"})
_BY_NUMBER: frozenset[PersonalKind] = frozenset({"bsn", "phone", "postcode", "address", "birth_date"})
_WORD = re.compile(r"[a-z]+|\d+")


def kind_by_name(column: str, *, text: bool, number: bool, temporal: bool) -> PersonalKind | None:
    """The kind of personal data a column's name announces, if any, given what its values are: `text`
    (strings), `number` (integers) or `temporal` (dates). Floats and booleans are never personal by name."""
    words = words_of(column)
    if not words or any(w in NOT_THE_VALUE for w in words):
        return None
    candidates = _candidates(words)
    for kind, names in WORDS.items():
        fits = text or (number and kind in _BY_NUMBER) or (temporal and kind == "birth_date")
        if fits and candidates & names and not _about_a_thing(words, names):
            return kind
    return None


@functools.lru_cache(maxsize=4096)
def words_of(column: str) -> tuple[str, ...]:
    """`klantEmail` → (klant, email); `E-mail adres` → (e, mail, adres); accents kept out of the way."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", column)
    return tuple(_WORD.findall(spaced.lower().replace("ë", "e").replace("é", "e").replace("ï", "i")))


def _candidates(words: tuple[str, ...]) -> set[str]:
    """Each word, each run of two or three, and the whole name joined (`e`, `mail` → `email`)."""
    found = set(words) | {"".join(words)}
    for size in (2, 3):
        found |= {"".join(words[i : i + size]) for i in range(len(words) - size + 1)}
    return found


def _about_a_thing(words: tuple[str, ...], names: frozenset[str]) -> bool:
    """Only a generic `naam`/`adres` of this kind, next to a word such as `gemeente` or `product`: not a person's."""
    return any(w in NOT_A_PERSON for w in words) and not any(w in names and w not in _GENERIC for w in words)

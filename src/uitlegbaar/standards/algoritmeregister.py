"""The Dutch Algoritmeregister, publication standard 1.0 (the submission API's `AlgorithmIn`).

Field names, enum spellings and limits as the register back end (`register-config/v1_0.json`)
accepts them. Limits are counted on the text with HTML removed.
"""

from __future__ import annotations

from typing import Literal, get_args

STANDARD_VERSION = "1.0"
LANG = "nld"

Status = Literal["In ontwikkeling", "In gebruik", "Buiten gebruik"]
STATUS: tuple[str, ...] = get_args(Status)
STATUS_EN = {"In ontwikkeling": "In development", "In gebruik": "In use", "Buiten gebruik": "Out of use"}

PublicationCategory = Literal["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"]
PUBLICATION_CATEGORY: tuple[str, ...] = get_args(PublicationCategory)
PUBLICATION_CATEGORY_EN = {
    "Hoog-risico AI-systeem": "High-Risk AI-system",
    "Impactvolle algoritmes": "Impactful algorithms",
    "Overige algoritmes": "Other algorithms",
}

Theme = Literal[
    "Organisatie en bedrijfsvoering",
    "Cultuur en recreatie",
    "Economie",
    "Overheidsfinanciën",
    "Wonen",
    "Internationaal",
    "Migratie en integratie",
    "Natuur en milieu",
    "Onderwijs en wetenschap",
    "Openbare orde en veiligheid",
    "Recht",
    "Ruimte en infrastructuur",
    "Sociale zekerheid",
    "Verkeer",
    "Werk",
    "Zorg en gezondheid",
]
THEMES: tuple[str, ...] = get_args(Theme)

# The impact assessments the register's web form suggests (`recommended_items`), spelled as the form
# spells them: note "Assesment", which the public search filter does not match (see below).
IMPACT_ASSESSMENTS = (
    "AI Impact Assesment (AIIA)",
    "Data Protection Impact Assessment (DPIA)",
    "De Ethische Bijsluiter",
    "De Ethische Data Assistant (DEDA)",
    "Fundamentele Rechten en Algoritme Impact Assessment (FRAIA)",
    "Impact Assessment Mensenrechten en Algoritmes (IAMA)",
    "Pre-scan DPIA",
    "Privacy Quickscan",
    "Toetsingskader Algemene Rekenkamer",
    "Utrecht Uthiek Assessment",
    "Z-Inspection",
)

# Maximum lengths (characters, HTML removed) of the text fields.
MAX_LENGTH = {
    "name": 100,
    "description_short": 400,
    "organization": 100,
    "begin_date": 7,
    "end_date": 7,
    "contact_email": 500,
    "website": 500,
    "url": 500,
    "goal": 2500,
    "proportionality": 2500,
    "human_intervention": 2500,
    "risks": 2500,
    "lawful_basis": 2500,
    "process_index_url": 500,
    "impacttoetsen": 2500,
    "source_data": 2500,
    "methods_and_models": 5000,
    "provider": 200,
    "publiccode": 500,
    "source_id": 100,
    "tags": 2500,
}

REQUIRED = ("name", "description_short", "organization", "status", "contact_email", "publication_category", "lang")

# The public search filter (`ImpactAssessments`) matches `impacttoetsen_grouping[].title` exactly against
# these labels; any other title counts as "Overig". Use these spellings to make an entry filterable.
IMPACT_ASSESSMENT_FILTER = (
    "Data Protection Impact Assessment (DPIA)",
    "Impact Assessment Mensenrechten en Algoritmes (IAMA)",
    "Fundamental Rights Impact Assessment (FRIA)",
    "AI Impact Assessment (AIIA)",
    "Fundamentele Rechten en Algoritme Impact Assessment (FRAIA)",
    "De Ethische Data Assistant (DEDA)",
    "Utrecht Uthiek Assessment",
    "Toetsingskader Algemene Rekenkamer",
    "Z-Inspection",
    "De Ethische Bijsluiter",
    "Privacy Quickscan",
    "Pre-scan DPIA",
)

# Every field of `AlgorithmIn`, in the API's order. `lars` and `publication_dt` are set by the register
# and ignored on input.
FIELDS = (
    "name",
    "description_short",
    "organization",
    "category",
    "status",
    "begin_date",
    "end_date",
    "contact_email",
    "website",
    "publication_category",
    "url",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "process_index_url",
    "impacttoetsen_grouping",
    "impacttoetsen",
    "source_data",
    "source_data_grouping",
    "methods_and_models",
    "provider",
    "publiccode",
    "lang",
    "standard_version",
    "source_id",
    "tags",
    "lars",
    "publication_dt",
)
READ_ONLY = ("lars", "publication_dt")

# Rich-text fields keep these tags (without attributes); the register unwraps every other tag and drops
# `<script>`/`<style>` with their content. Every other text field has all HTML removed.
ALLOWED_HTML_TAGS = ("div", "br", "p", "ul", "ol", "li")
RICH_TEXT = (
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "impacttoetsen",
    "source_data",
    "methods_and_models",
    "tags",
)
PLAIN_TEXT = tuple(field for field in MAX_LENGTH if field not in RICH_TEXT)

# Exact, case-sensitive values; `category` is a list of these values.
ENUMS = {
    "status": STATUS,
    "publication_category": PUBLICATION_CATEGORY,
    "lang": (LANG,),
    "standard_version": (STANDARD_VERSION,),
}
LIST_ENUMS = {"category": THEMES}

# Lists of {title, link}: which keys each item needs, and their maximum lengths (HTML removed, no HTML
# allowed). An impact assessment's title has no limit and its link may be left out.
GROUPING_REQUIRED = {
    "lawful_basis_grouping": ("title", "link"),
    "impacttoetsen_grouping": ("title",),
    "source_data_grouping": ("title", "link"),
}
GROUPING_MAX_LENGTH: dict[str, dict[str, int | None]] = {
    "lawful_basis_grouping": {"title": 100, "link": 500},
    "impacttoetsen_grouping": {"title": None, "link": 500},
    "source_data_grouping": {"title": 500, "link": 500},
}

# The handbook (not the API) asks for https URLs and months as YYYY-MM in these fields.
URL_FIELDS = ("website", "url", "process_index_url", "publiccode")
MONTH_FIELDS = ("begin_date", "end_date")

# Database column sizes (characters) of the rich-text fields. The register stores the sanitised HTML, so
# markup, escaped characters and the `<p>`/`<div>` it wraps around the text count here: a value within
# its text limit can still overflow the column (an HTTP 500, not a 422).
DB_COLUMN = {field: 5000 for field in RICH_TEXT} | {"methods_and_models": 10000, "tags": 2500}

# Columns of the register's own CSV export for standard 1.0 (`lars` is exported as `algorithm_id`).
CSV_COLUMNS = (
    "name",
    "organization",
    "description_short",
    "category",
    "website",
    "status",
    "goal",
    "proportionality",
    "lawful_basis",
    "standard_version",
    "url",
    "contact_email",
    "lang",
    "publiccode",
    "source_data",
    "methods_and_models",
    "human_intervention",
    "risks",
    "provider",
    "process_index_url",
    "tags",
    "source_id",
    "begin_date",
    "end_date",
    "impacttoetsen",
    "publication_category",
    "lawful_basis_grouping",
    "impacttoetsen_grouping",
    "source_data_grouping",
    "algorithm_id",
    "publication_dt",
)

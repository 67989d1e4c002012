"""The Dutch Algoritmeregister, publication standard 1.0 (the submission API's `AlgorithmIn`).

Field names, enum spellings and limits as the register back end (`register-config/v1_0.json`)
accepts them. Limits are counted on the text with HTML removed.
"""

from __future__ import annotations

STANDARD_VERSION = "1.0"
LANG = "nld"

STATUS = ("In ontwikkeling", "In gebruik", "Buiten gebruik")
STATUS_EN = {"In ontwikkeling": "In development", "In gebruik": "In use", "Buiten gebruik": "Out of use"}

PUBLICATION_CATEGORY = ("Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes")
PUBLICATION_CATEGORY_EN = {
    "Hoog-risico AI-systeem": "High-Risk AI-system",
    "Impactvolle algoritmes": "Impactful algorithms",
    "Overige algoritmes": "Other algorithms",
}

THEMES = (
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
)

# The impact assessments the register's form suggests, spelled as its public filter spells them.
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

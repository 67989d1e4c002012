"""Claims: statements in `uitlegbaar.yaml` that the evidence can confirm or refute.

    claims:
      not_model_inputs: [geslacht]     # attributes that are no model input, directly or through a derived feature
      self_learning: false             # the model does not learn while it is used
      personal_data: true              # personal data is processed
      special_categories: false        # no special categories of personal data (AVG art. 9)
      data_period: {start: 2024-01, end: 2025-12, column: aanvraagdatum}

Documents state these claims only as declared; `uitlegbaar.documents.claims` holds each against the evidence.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataPeriod(_Strict):
    """The period the training data covers, as months; `column` names the date column that shows it (default:
    every date column of the source data that is not personal)."""

    start: str
    end: str
    column: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _month(cls, value: str) -> str:
        if not _MONTH.match(value):
            raise ValueError(f"must be a month as YYYY-MM, e.g. 2025-03, not {value!r}")
        return value


class Claims(_Strict):
    """Structured claims about the algorithm; a claim left out is not made."""

    not_model_inputs: list[str] = Field(
        default_factory=list, description="attributes that are no model input, directly or through a derived feature"
    )
    self_learning: bool | None = Field(default=None, description="does the model keep learning while it is used?")
    personal_data: bool | None = Field(default=None, description="is personal data processed?")
    special_categories: bool | None = Field(
        default=None, description="are special categories of personal data processed (AVG art. 9)?"
    )
    data_period: DataPeriod | None = None

    @property
    def made(self) -> bool:
        return bool(self.not_model_inputs) or any(
            v is not None for v in (self.self_learning, self.personal_data, self.special_categories, self.data_period)
        )

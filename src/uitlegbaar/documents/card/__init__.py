"""Model cards: the canonical card (data), compiled from evidence and declaration, and its renderings."""

from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.documents.card.model import ModelCard

__all__ = ["ModelCard", "compile_card"]

"""Model cards: the canonical card (data), compiled from evidence and declaration, and its renderings."""

from uitlegbaar.card.compile import compile_card
from uitlegbaar.card.model import ModelCard

__all__ = ["ModelCard", "compile_card"]

"""A static, accessible HTML register of Algoritmeregister entries and their model cards."""

from uitlegbaar.registry.site.build import build_site

__all__ = ["build_site"]

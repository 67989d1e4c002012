"""The rules of each format uitlegbaar reads or writes, encoded from the official sources."""

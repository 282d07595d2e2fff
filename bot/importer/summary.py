"""Counts of the rows that an import created, updated or left unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileCounts:
    """Rows of one CSV file that the import created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class ImportSummary:
    """Per-file counts of one import and the optional files that were absent."""

    source: str
    files: dict[str, FileCounts] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def __getitem__(self, file: str) -> FileCounts:
        return self.files[file]

    @property
    def created(self) -> int:
        return sum(counts.created for counts in self.files.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.files.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.files.values())

    @property
    def changed(self) -> bool:
        return any(counts.changed for counts in self.files.values())

    def __str__(self) -> str:
        parts = [
            f"{name}: {c.created} created, {c.updated} updated, "
            f"{c.unchanged} unchanged"
            for name, c in self.files.items()
        ]
        parts += [f"{name}: not present, skipped" for name in self.skipped]
        return "; ".join(parts)

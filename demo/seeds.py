"""The measure's value sets as the dbt seeds hold them.

The demo writes the codes the pipeline looks for by reading the same seeds,
so that a code added to or dropped from a value set reaches the demo data
without a second list to keep in step.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


@cache
def seed_rows(name: str) -> tuple[dict[str, str], ...]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


@dataclass(frozen=True)
class ProcedureSet:
    """One stratum's index procedures: CPT primary and add-on codes, ICD-10-PCS prefixes."""

    primary_cpt: tuple[str, ...]
    addon_cpt: tuple[str, ...]
    pcs_prefixes: tuple[str, ...]

    def addon_of(self) -> dict[str, str]:
        """The add-on billed with each primary. CPT numbers an add-on right after its
        primary, so it is the first add-on above the primary and below the next primary."""
        pairs = {}
        for primary, upper in zip(self.primary_cpt, (*self.primary_cpt[1:], "99999"), strict=True):
            after = [a for a in self.addon_cpt if primary < a < upper]
            if after:
                pairs[primary] = after[0]
        return pairs


@cache
def procedure_set(seed: str) -> ProcedureSet:
    rows = seed_rows(seed)

    def codes(system: str, role: str) -> tuple[str, ...]:
        return tuple(sorted(r["code"] for r in rows if r["code_system"] == system and r["role"] == role))

    return ProcedureSet(codes("CPT", "primary"), codes("CPT", "add_on"), codes("ICD-10-PCS", "primary"))


@cache
def payer_spellings() -> dict[str, tuple[str, ...]]:
    """Per canonical payer (seed order), the ways a feed writes it: every alias of the
    seed and the payer's name in capitals (the pipeline ignores case and spaces)."""
    spellings: dict[str, list[str]] = {}
    for row in seed_rows("payer_alias"):
        names = spellings.setdefault(row["payer"], [])
        for text in (row["alias"], row["payer_name"].upper()):
            if text not in names:
                names.append(text)
    return {payer: tuple(names) for payer, names in spellings.items()}


@cache
def exclusion_prefixes() -> dict[str, tuple[str, ...]]:
    """The spine_exclusion prefixes (no dots, upper case) by reason, in seed order."""
    reasons: dict[str, list[str]] = {}
    for row in seed_rows("spine_exclusion"):
        reasons.setdefault(row["reason"], []).append(row["code_prefix"])
    return {reason: tuple(prefixes) for reason, prefixes in reasons.items()}

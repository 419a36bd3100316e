"""Vocabularies (index 0 is "no value", so 0 in a code array means null) and the two strata.

Index-procedure and exclusion codes come from the dbt seeds (demo.seeds); what
is only realism (shares, companion codes, visit diagnoses) is declared here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from demo.arrays import day
from demo.seeds import ProcedureSet, exclusion_prefixes, payer_spellings, procedure_set


def codes(vocab: Sequence[str | None], values: Sequence[str]) -> np.ndarray:
    return np.array([vocab.index(v) for v in values], dtype=np.int64)


# --- payers and plans ---

PAYER_SPELLINGS = payer_spellings()
UNMAPPED_PAYERS: tuple[str, ...] = ("Acme Health Plan",)
PAYER_NAMES = (*PAYER_SPELLINGS, "unmapped")
MEDICARE = PAYER_NAMES.index("medicare")
UNMAPPED = PAYER_NAMES.index("unmapped")
MAPPED_PAYERS = len(PAYER_SPELLINGS)
# Shares of persons by payer: Medicare the largest, one percent unmapped.
_PAYER_SHARE = {"aetna": 0.17, "bcbs": 0.22, "cigna": 0.13, "uhc": 0.20, "medicare": 0.27}
_MAPPED_WEIGHTS = np.array([_PAYER_SHARE.get(p, 0.1) for p in PAYER_SPELLINGS])
PAYER_SHARES = (*(0.99 * _MAPPED_WEIGHTS / _MAPPED_WEIGHTS.sum()), 0.01)
_ALL_SPELLINGS = (*PAYER_SPELLINGS.values(), UNMAPPED_PAYERS)
SPELLINGS = pa.array([s for names in _ALL_SPELLINGS for s in names])
SPELLING_COUNT = np.array([len(names) for names in _ALL_SPELLINGS])
SPELLING_OFFSET = np.concatenate([[0], np.cumsum(SPELLING_COUNT)[:-1]])
MEMBER_PREFIX = pa.array([p[:3].upper() for p in PAYER_SPELLINGS] + [UNMAPPED_PAYERS[0][:3].upper()])

PLANS = pa.array(["PPO", "HMO", "EPO", "Part B", "Medicare Advantage"])
COMMERCIAL_PLANS = 3  # the first three; Medicare plans follow

# --- procedures ---

FUSION_CODES = procedure_set("lumbar_fusion")
DISCECTOMY_CODES = procedure_set("lumbar_discectomy")

POS = (None, "11", "21", "22")
MODIFIERS = (None, "80", "AS")
EM_CPT = ("99212", "99213", "99214", "99215")
EM_WEIGHTS = (0.05, 0.55, 0.35, 0.05)
EXTRA_CPT = ("72100", "72148", "97110", "80053", "83036", "93000")
INSTRUMENTATION_CPT = ("22840", "22842")
GRAFT_CPT = ("20930", "20936")
CERVICAL_CPT = "22551"  # anterior cervical fusion: a spine fusion that is not lumbar
HCPCS: tuple[str | None, ...] = tuple(
    dict.fromkeys(
        (
            None,
            *FUSION_CODES.primary_cpt,
            *FUSION_CODES.addon_cpt,
            *DISCECTOMY_CODES.primary_cpt,
            *DISCECTOMY_CODES.addon_cpt,
            *EM_CPT,
            *EXTRA_CPT,
            *INSTRUMENTATION_CPT,
            *GRAFT_CPT,
            CERVICAL_CPT,
        )
    )
)
ADDON_CPT = (*FUSION_CODES.addon_cpt, *DISCECTOMY_CODES.addon_cpt)

# ICD-10-PCS codes are the seed's 4-character prefix + approach, device, qualifier.
FUSION_PCS = tuple(p + s for p in FUSION_CODES.pcs_prefixes for s in ("070", "071", "0A0", "0AJ", "0J1"))
DISCECTOMY_PCS = tuple(p + s for p in DISCECTOMY_CODES.pcs_prefixes for s in ("0ZZ", "4ZZ"))
CERVICAL_PCS = ("0RG10A0", "0RG20A0", "0RG70AJ")
PCS: tuple[str | None, ...] = (None, *FUSION_PCS, *DISCECTOMY_PCS, *CERVICAL_PCS)

# --- diagnoses ---

VISIT_DX = ("M54.50", "M51.16", "I10", "E11.9", "M54.16", "M47.816", "E78.5", "Z00.00", "M48.061", "J06.9")
VISIT_DX_WEIGHTS = np.array((0.20, 0.12, 0.18, 0.12, 0.08, 0.07, 0.10, 0.05, 0.04, 0.04))
SURGERY_DX = ("M43.16", "M48.062", "M48.061", "M51.36", "M51.16", "M47.816", "M43.06")
COMORBIDITY_DX = ("I10", "E11.9", "E78.5")
# Characters that make a billable ICD-10-CM code of a seed prefix (the rest are billable as they are).
_COMPLETIONS = {
    "S320": ("00A", "10A", "20A", "30A"),
    "M4856": ("XA",),
    "M8008": ("XA",),
    "C900": ("0", "1"),
    "M410": ("6", "7"),
    "M411": ("16", "26"),
    "M412": ("6", "7"),
    "M414": ("6", "7"),
}


def _written(prefix: str) -> tuple[str, ...]:
    dotted = f"{prefix[:3]}.{prefix[3:]}"
    return tuple(dotted + c for c in _COMPLETIONS.get(prefix, ("",)))


# One group of real codes per reason of the spine_exclusion seed.
EXCLUSION_DX = {
    reason: tuple(code for prefix in prefixes for code in _written(prefix))
    for reason, prefixes in exclusion_prefixes().items()
}
EXCLUSION_FLAT = tuple(c for group in EXCLUSION_DX.values() for c in group)
EXCLUSION_COUNT = np.array([len(v) for v in EXCLUSION_DX.values()])
EXCLUSION_OFFSET = np.concatenate([[0], np.cumsum(EXCLUSION_COUNT)[:-1]])
DX = tuple(dict.fromkeys((None, *VISIT_DX, *SURGERY_DX, *COMORBIDITY_DX, *EXCLUSION_FLAT)))

# --- strata ---

FUSION, DISCECTOMY = range(2)
# Share of surgeries that are discectomies/laminectomies (about 1.7 per fusion).
DISCECTOMY_SHARE = 0.63


@dataclass(frozen=True)
class Stratum:
    """How the demo places one stratum's surgeries and follow-up scores.

    The window bounds are (calendar months, days) after the procedure, as the
    measure defines them; `early` is where a score comes too soon to count.
    """

    name: str
    codes: ProcedureSet
    primary_weights: dict[str, float]  # realism; a code without a weight gets 0.05
    addon_share: float
    first_day: int  # surgeries from the first PY's denominator period start ...
    last_day: int  # ... to the last PY's end
    pinned_days: tuple[int, ...]  # period edges, so that the boundaries always occur
    window: tuple[tuple[int, int], tuple[int, int], tuple[int, int]]  # start, target, end
    spread_days: float  # standard deviation of the follow-up around the target
    early: tuple[int, int]  # first day of a too-early score
    interim: tuple[tuple[int, int], tuple[int, int]]  # a post-op visit that never counts

    @property
    def primary(self) -> tuple[str, ...]:
        return self.codes.primary_cpt

    def weights(self) -> np.ndarray:
        raw = np.array([self.primary_weights.get(c, 0.05) for c in self.primary])
        return raw / raw.sum()


STRATA = (
    Stratum(
        name="lumbarFusion",
        codes=FUSION_CODES,
        primary_weights={
            "22533": 0.08,
            "22558": 0.10,
            "22586": 0.02,
            "22612": 0.40,
            "22630": 0.15,
            "22633": 0.25,
        },
        addon_share=0.6,
        first_day=day("2022-10-01"),
        last_day=day("2026-09-30"),
        pinned_days=(day("2022-10-01"), day("2023-09-30"), day("2023-10-01"), day("2026-09-30")),
        window=((9, 0), (12, 0), (15, 0)),
        spread_days=30,
        early=(6, 1),
        interim=((3, 0), (6, 0)),
    ),
    Stratum(
        name="lumbarDiscectomy",
        codes=DISCECTOMY_CODES,
        primary_weights={
            "63005": 0.06,
            "63012": 0.03,
            "63017": 0.04,
            "63030": 0.40,
            "63042": 0.05,
            "63047": 0.35,
            "63056": 0.07,
        },
        addon_share=0.35,
        first_day=day("2023-08-01"),
        last_day=day("2027-07-31"),
        pinned_days=(day("2023-08-01"), day("2024-07-31"), day("2024-08-01"), day("2027-07-31")),
        window=((0, 42), (3, 0), (0, 140)),
        spread_days=14,
        early=(0, 14),
        interim=((0, 7), (0, 35)),
    ),
)
# CPT of a discectomy/laminectomy done in the same session as a fusion (fusion wins).
SAME_DAY_DISCECTOMY_CPT = ("63030", "63047", "63005")

"""A deterministic, realistic synthetic landing folder (`g2139 demo-data`).

Writes Tuva-shaped medical claims, eligibility spans and pain scores so that a
new user can run the pipeline at once and see every outcome of the measure
(met, not met, not measured, excluded, pending), all five payers plus an
unmapped one, and every kind of bad input in small numbers.

Persons are generated in fixed chunks of CHUNK_PEOPLE, each chunk with its own
numpy generator seeded by (seed, chunk index): memory stays bounded for
millions of persons and a chunk's content never depends on how many chunks
follow it. Rows are built as integer codes (indices into small vocabularies,
dates as day numbers) with numpy, then turned into text once per chunk with
pyarrow, because per-row Python would not write 10 M claim lines in minutes.

Rare cases (an unmapped payer, 17-year-olds, boundary scores, bad rows) are
drawn as exact counts with a minimum per chunk rather than as coin flips, so
that every case exists even in a small demo folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DEFAULT_PEOPLE = 3000
DEFAULT_SEED = 2139
CHUNK_PEOPLE = 50_000

# The payer_alias seed is written from the same lists; the pipeline matches
# them case- and whitespace-insensitively.
PAYER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "aetna": ("Aetna", "AETNA", "Aetna Health"),
    "bcbs": ("BCBS", "Blue Cross Blue Shield", "BlueCross BlueShield", "Blue Cross"),
    "cigna": ("Cigna", "CIGNA", "Cigna Health", "Cigna Healthcare"),
    "uhc": ("UHC", "United Healthcare", "UnitedHealthcare", "United Health Care"),
    "medicare": ("Medicare", "MEDICARE", "Medicare FFS", "Medicare Part B"),
}
UNMAPPED_PAYERS: tuple[str, ...] = ("Acme Health Plan",)

CLAIM_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim_line_number",
    "claim_type",
    "person_id",
    "member_id",
    "payer",
    "plan",
    "claim_line_start_date",
    "claim_line_end_date",
    "place_of_service_code",
    "hcpcs_code",
    "hcpcs_modifier_1",
    "rendering_npi",
    "diagnosis_code_type",
    "diagnosis_code_1",
    "diagnosis_code_2",
    "diagnosis_code_3",
    "diagnosis_code_4",
    "procedure_code_type",
    "procedure_code_1",
    "procedure_code_2",
    "procedure_code_3",
    "procedure_date_1",
    "procedure_date_2",
    "procedure_date_3",
    "data_source",
)
ELIGIBILITY_COLUMNS: tuple[str, ...] = (
    "person_id",
    "member_id",
    "gender",
    "birth_date",
    "payer",
    "plan",
    "enrollment_start_date",
    "enrollment_end_date",
    "data_source",
)
PAIN_COLUMNS: tuple[str, ...] = (
    "assessment_id",
    "person_id",
    "assessment_date",
    "body_site",
    "instrument",
    "score",
    "scale_max",
    "data_source",
)

# Bad rows, written into the normal files: per table, each kind and the cells it
# writes over a good row (None: the cell is left empty). Claim and pain-score bad
# rows are extra copies of random good rows, so the clinical content stays whole;
# eligibility rows are spoiled in place (see _spoil_birth_dates).
BAD_ROWS: dict[str, dict[str, dict[str, str | None]]] = {
    "medical_claim": {
        "person_id_missing": {"person_id": None},
        "start_date_2024_13_45": {"claim_line_start_date": "2024-13-45"},
        "start_date_yesterday": {"claim_line_start_date": "yesterday"},
        "claim_line_number_1a": {"claim_line_number": "1a"},
    },
    "eligibility": {
        "birth_date_missing": {"birth_date": None},
        "birth_date_impossible": {"birth_date": "1962-02-30"},
        "birth_date_unparseable": {"birth_date": "unknown"},
    },
    "pain_score": {
        "score_11_on_nrs_10": {"instrument": "NRS", "scale_max": "10", "score": "11"},
        "score_140_on_vas_100": {"instrument": "VAS", "scale_max": "100", "score": "140"},
        "score_negative": {"score": "-1"},
        "score_unparseable": {"score": "seven"},
        "instrument_odi": {"instrument": "ODI"},
        "body_site_neck": {"body_site": "neck"},
        "scale_max_5": {"scale_max": "5", "score": "3"},
        "nrs_with_scale_max_100": {"instrument": "NRS", "scale_max": "100", "score": "65"},
        "assessment_date_impossible": {"assessment_date": "2024-02-30"},
        "assessment_date_unparseable": {"assessment_date": "n/a"},
        "person_id_missing": {"person_id": None},
    },
}
# Share of good rows made bad, per kind (about 0.3 % of each table in all),
# never fewer than _MIN_BAD_ROWS per kind and chunk.
_BAD_SHARE = {"medical_claim": 0.0008, "eligibility": 0.001, "pain_score": 0.0003}
_MIN_BAD_ROWS = 3

_DATA_SOURCE = "g2139_demo"


_Rng = np.random.Generator
_Rows = dict[str, np.ndarray]  # integer-coded columns of one table, all of one length


def _day(iso: str) -> int:
    return int(np.datetime64(iso, "D").astype(np.int64))


_SURGERY_FIRST = _day("2022-10-01")
_SURGERY_LAST = _day("2026-09-30")
# Period and performance-year edges, pinned so that the boundaries always occur.
_PINNED_SURGERY_DAYS = np.array(
    [_day("2022-10-01"), _day("2023-09-30"), _day("2023-10-01"), _day("2026-09-30")]
)
_ACTIVITY_FIRST = _day("2021-04-01")
_ACTIVITY_LAST = _day("2028-03-31")  # visits up to 18 months after the last fusion
_ENROLLMENT_FIRST = _day("2020-01-01")
_ENROLLMENT_LAST = _day("2028-12-31")
_NO_SWITCH = _ENROLLMENT_LAST + 1

# --- vocabularies: index 0 is "no value", so 0 in a code array means null ---

_PAYER_NAMES = (*PAYER_SPELLINGS, "unmapped")
_MEDICARE = _PAYER_NAMES.index("medicare")
_UNMAPPED = _PAYER_NAMES.index("unmapped")
_PAYER_SHARES = (0.17, 0.22, 0.13, 0.20, 0.27, 0.01)
_SPELLINGS = pa.array([s for v in (*PAYER_SPELLINGS.values(), UNMAPPED_PAYERS) for s in v])
_SPELLING_COUNT = np.array([len(v) for v in (*PAYER_SPELLINGS.values(), UNMAPPED_PAYERS)])
_SPELLING_OFFSET = np.concatenate([[0], np.cumsum(_SPELLING_COUNT)[:-1]])
_MEMBER_PREFIX = pa.array(["AET", "BCB", "CIG", "UHC", "MCR", "ACM"])

_PLANS = pa.array(["PPO", "HMO", "EPO", "Part B", "Medicare Advantage"])
_COMMERCIAL_PLANS = 3  # the first three; Medicare plans follow

_POS = (None, "11", "21", "22")
_MODIFIERS = (None, "80", "AS")
_PRIMARY_CPT = ("22533", "22558", "22586", "22612", "22630", "22633")
_PRIMARY_WEIGHTS = (0.08, 0.10, 0.02, 0.40, 0.15, 0.25)
# Add-on that goes with each primary (22586, presacral, has none).
_ADDON_OF = {"22533": "22534", "22558": "22585", "22612": "22614", "22630": "22632", "22633": "22634"}
_ADDON_CPT = ("22534", "22585", "22614", "22632", "22634")
_EM_CPT = ("99212", "99213", "99214", "99215")
_EM_WEIGHTS = (0.05, 0.55, 0.35, 0.05)
_EXTRA_CPT = ("72100", "72148", "97110", "80053", "83036", "93000")
_INSTRUMENTATION_CPT = ("22840", "22842")
_GRAFT_CPT = ("20930", "20936")
_CERVICAL_CPT = "22551"  # anterior cervical fusion: a spine fusion that is not lumbar
_HCPCS = (
    None,
    *_PRIMARY_CPT,
    *_ADDON_CPT,
    *_EM_CPT,
    *_EXTRA_CPT,
    *_INSTRUMENTATION_CPT,
    *_GRAFT_CPT,
    _CERVICAL_CPT,
)

_LUMBAR_PCS = (
    "0SG0070",
    "0SG0071",
    "0SG00A0",
    "0SG00AJ",
    "0SG00J1",
    "0SG1071",
    "0SG10A0",
    "0SG10AJ",
    "0SG10J1",
    "0SG3071",
    "0SG30A0",
    "0SG30AJ",
)
_DISC_PCS = ("0SB20ZZ", "0SB40ZZ")  # excision of lumbar / lumbosacral disc
_CERVICAL_PCS = ("0RG10A0", "0RG20A0", "0RG70AJ")
_PCS = (None, *_LUMBAR_PCS, *_DISC_PCS, *_CERVICAL_PCS)

_VISIT_DX = ("M54.50", "M51.16", "I10", "E11.9", "M54.16", "M47.816", "E78.5", "Z00.00", "M48.061", "J06.9")
_VISIT_DX_WEIGHTS = np.array((0.20, 0.12, 0.18, 0.12, 0.08, 0.07, 0.10, 0.05, 0.04, 0.04))
_SURGERY_DX = ("M43.16", "M48.062", "M48.061", "M51.36", "M51.16", "M47.816", "M43.06")
_COMORBIDITY_DX = ("I10", "E11.9", "E78.5")
# One reason per row of the measure's spine_exclusion seed; codes are real
# ICD-10-CM codes under the seed's prefixes.
_EXCLUSION_DX: dict[str, tuple[str, ...]] = {
    "cancer": ("C41.2", "C79.51", "C72.0", "C70.1", "C90.00", "C90.01"),
    "fracture": ("S32.000A", "S32.010A", "S32.020A", "S32.030A", "M48.56XA", "M80.08XA"),
    "infection": (
        "M46.26",
        "M46.27",
        "M46.36",
        "M46.37",
        "M46.46",
        "M46.47",
        "M46.56",
        "M46.57",
        "A18.01",
        "G06.1",
    ),
    "scoliosis": (
        "M41.06",
        "M41.07",
        "M41.116",
        "M41.126",
        "M41.26",
        "M41.27",
        "M41.46",
        "M41.47",
        "Q67.5",
        "Q76.3",
    ),
}
_EXCLUSION_FLAT = tuple(c for codes in _EXCLUSION_DX.values() for c in codes)
_EXCLUSION_COUNT = np.array([len(v) for v in _EXCLUSION_DX.values()])
_EXCLUSION_OFFSET = np.concatenate([[0], np.cumsum(_EXCLUSION_COUNT)[:-1]])
_DX = tuple(dict.fromkeys((None, *_VISIT_DX, *_SURGERY_DX, *_COMORBIDITY_DX, *_EXCLUSION_FLAT)))


def _codes(vocab: Sequence[str | None], values: Sequence[str]) -> np.ndarray:
    return np.array([vocab.index(v) for v in values], dtype=np.int64)


# Pain instruments as written: NRS integer, NRS one decimal, VAS mm, VAS cm.
_NRS_INT, _NRS_DEC, _VAS_MM, _VAS_CM = range(4)
_PAIN_KIND_SHARES = (0.55, 0.15, 0.20, 0.10)
_BACK, _LEG = 0, 1

# Person cohorts by age on the 1 October on or before the first surgery.
_ADULT, _AGE_17, _AGE_18_ON_OCT_1, _AGE_18 = range(4)
_NO_DISTRACTOR, _ADDON_ONLY, _CERVICAL = range(3)

# Provider pools are shared by all chunks, so they get their own stream.
_POOL_STREAM = 2**32 - 1
_SURGEONS, _ASSISTANTS, _CLINICIANS = 600, 250, 4000


@dataclass(frozen=True)
class _Pools:
    surgeons: np.ndarray
    assistants: np.ndarray
    clinicians: np.ndarray


@dataclass(frozen=True)
class _People:
    first: int  # global index of the chunk's first person
    ids: pa.Array
    payer: np.ndarray
    female: np.ndarray
    clinician: np.ndarray  # NPI of the person's usual office
    plan1: np.ndarray
    plan2: np.ndarray
    plan_switch: np.ndarray  # day the second enrollment span starts (_NO_SWITCH: one span)
    enrollment_start: np.ndarray
    surgeries: np.ndarray  # 0, 1 or 2
    surgery1: np.ndarray  # day number, -1 without surgery
    surgery2: np.ndarray
    cohort: np.ndarray
    second_payer: np.ndarray  # the other payer billed for the first fusion, -1 none
    no_eligibility: np.ndarray
    exclusion: np.ndarray  # 0 none, 1 within the lookback, 2 older than the lookback
    exclusion_dx: np.ndarray
    exclusion_payer: np.ndarray
    distractor: np.ndarray
    birth: np.ndarray


@dataclass(frozen=True)
class _Surgeries:
    person: np.ndarray
    date: np.ndarray
    payer: np.ndarray
    second_payer: np.ndarray
    professional: np.ndarray  # surgeon lines billed
    facility: np.ndarray  # facility claim billed
    primary: np.ndarray
    addon: np.ndarray
    instrumentation: np.ndarray
    graft: np.ndarray
    assistant_modifier: np.ndarray
    surgeon: np.ndarray
    assistant: np.ndarray
    pos: np.ndarray
    pcs: np.ndarray  # (n, 3)
    admit: np.ndarray
    discharge: np.ndarray
    facility_lines: np.ndarray
    dx: np.ndarray  # (n, 3)
    plain: np.ndarray  # nothing else decides this episode: fit for a boundary case


class _Counter:
    """Hands out consecutive numbers (claim numbers within a chunk)."""

    def __init__(self) -> None:
        self.next = 1

    def take(self, n: int) -> np.ndarray:
        numbers = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return numbers


# --- public entry point ---


def write_demo_landing(
    out_dir: Path, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED
) -> dict[str, int]:
    """Writes <out_dir>/medical_claim/, eligibility/, pain_score/ and returns row counts per
    table (data rows written, bad rows included; the pain_score resend copy not counted)."""
    if people < 1:
        raise ValueError(f"people must be at least 1, got {people}")
    out_dir = Path(out_dir)
    _prepare_folders(out_dir, _planned_files(people))
    pools = _pools(seed)
    counts = {"medical_claim": 0, "eligibility": 0, "pain_score": 0}
    for chunk, first in enumerate(range(0, people, CHUNK_PEOPLE)):
        rng = np.random.default_rng([seed, chunk])
        tables = _chunk_tables(rng, chunk, first, min(CHUNK_PEOPLE, people - first), pools)
        _write_chunk(out_dir, chunk, tables)
        for name, table in tables.items():
            counts[name] += table.num_rows
    _write_resend(out_dir / "pain_score")
    return counts


def _planned_files(people: int) -> dict[str, set[str]]:
    tags = [f"{chunk:03d}" for chunk in range(-(-people // CHUNK_PEOPLE))]
    return {
        "medical_claim": {
            f"{kind}_{t}.{ext}"
            for t in tags
            for kind, ext in (("professional", "csv"), ("institutional", "parquet"))
        },
        "eligibility": {f"eligibility_{t}.csv" for t in tags},
        "pain_score": {f"pain_score_{t}.csv" for t in tags} | {"pain_score_resend.csv"},
    }


def _prepare_folders(out_dir: Path, planned: dict[str, set[str]]) -> None:
    # Rewriting the same demo is idempotent, but a stray file (an older, larger
    # demo's extra chunk, or real data) would silently join the landing data.
    for table, names in planned.items():
        folder = out_dir / table
        folder.mkdir(parents=True, exist_ok=True)
        # Hidden files are ignored, as the pipeline ignores them.
        strays = sorted(p.name for p in folder.iterdir() if p.name not in names and p.name[0] != ".")
        if strays:
            raise FileExistsError(f"{folder} holds files this demo would not write: {strays}")


def _write_resend(folder: Path) -> None:
    # The same content under another name: the pipeline must load it once.
    chunks = sorted(folder.glob("pain_score_[0-9]*.csv"))
    smallest = min(chunks, key=lambda p: (p.stat().st_size, p.name))
    shutil.copyfile(smallest, folder / "pain_score_resend.csv")


def _chunk_tables(rng: _Rng, chunk: int, first: int, size: int, pools: _Pools) -> dict[str, pa.Table]:
    people = _people(rng, first, size, pools)
    surgeries = _surgeries(rng, people, pools)
    claims = _claims_table(rng, _claim_rows(rng, people, surgeries, pools), people, chunk)
    pain_rows, boundary_people = _pain_rows(rng, people, surgeries)
    pain = _pain_table(pain_rows, people, chunk)
    eligibility = _eligibility_table(rng, _eligibility_rows(rng, people, boundary_people), people)
    return {"medical_claim": claims, "eligibility": eligibility, "pain_score": pain}


def _write_chunk(out_dir: Path, chunk: int, tables: dict[str, pa.Table]) -> None:
    tag = f"{chunk:03d}"
    claims = out_dir / "medical_claim"
    institutional = pc.equal(tables["medical_claim"]["claim_type"], "institutional")
    _write_csv(tables["medical_claim"].filter(pc.invert(institutional)), claims / f"professional_{tag}.csv")
    pq.write_table(tables["medical_claim"].filter(institutional), claims / f"institutional_{tag}.parquet")
    _write_csv(tables["eligibility"], out_dir / "eligibility" / f"eligibility_{tag}.csv")
    _write_csv(tables["pain_score"], out_dir / "pain_score" / f"pain_score_{tag}.csv")


def _write_csv(table: pa.Table, path: Path) -> None:
    # No quoting at all (no value holds a comma or quote) and empty cells for
    # nulls: the files look like what a payer extract looks like.
    options = pacsv.WriteOptions(
        batch_size=65_536, null_string="", quoting_style="none", quoting_header="none"
    )
    pacsv.write_csv(table, path, write_options=options)


# --- small numeric helpers ---


def _count(share: float, base: int, minimum: int = 1) -> int:
    return max(minimum, round(share * base)) if base > 0 else 0


def _choose(rng: _Rng, eligible: np.ndarray, k: int) -> np.ndarray:
    """Mask of exactly k (or all, if fewer) randomly chosen eligible items."""
    pool = np.flatnonzero(eligible)
    mask = np.zeros(eligible.size, dtype=bool)
    mask[rng.choice(pool, size=min(k, pool.size), replace=False)] = True
    return mask


def _allocate(rng: _Rng, n: int, shares: Sequence[float]) -> np.ndarray:
    """Labels in exact proportions, each label at least once when n allows."""
    if n < len(shares):
        return rng.choice(len(shares), size=n, p=shares)
    counts = np.maximum(1, np.floor(np.array(shares) * n)).astype(np.int64)
    counts[int(np.argmax(shares))] += n - counts.sum()
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _one_of(rng: _Rng, offset: np.ndarray, count: np.ndarray) -> np.ndarray:
    """A random index in [offset, offset + count) per row: one of a group in a flat list."""
    return offset + np.floor(rng.random(offset.size) * count).astype(np.int64)


def _pick(rng: _Rng, values: np.ndarray, n: int, p: Sequence[float] | None = None) -> np.ndarray:
    return values[rng.choice(values.size, size=n, p=p)]


def _between(rng: _Rng, lo: np.ndarray | int, hi: np.ndarray | int, size: int | None = None) -> np.ndarray:
    """Uniform day numbers in [lo, hi], both ends included."""
    shape = np.broadcast(lo, hi).shape if size is None else size
    return lo + np.floor(rng.random(shape) * (np.asarray(hi) - lo + 1)).astype(np.int64)


def _add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Calendar months clamped to month end (31 Jan + 1 month = 28/29 Feb), like the measure."""
    d = np.asarray(days).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    start = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - start).astype(np.int64)
    return start.astype(np.int64) + np.minimum(day_of_month, length - 1)


def _oct1_on_or_before(days: np.ndarray) -> np.ndarray:
    year = np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]")
    oct1 = (year.astype("datetime64[M]") + 9).astype("datetime64[D]").astype(np.int64)
    previous = ((year - 1).astype("datetime64[M]") + 9).astype("datetime64[D]").astype(np.int64)
    return np.where(days >= oct1, oct1, previous)


def _jan1(years: np.ndarray) -> np.ndarray:
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def _tenths(values: np.ndarray) -> np.ndarray:
    """A 0-10 score as integer tenths 0..100."""
    return np.clip(np.rint(values * 10), 0, 100).astype(np.int64)


def _jitter(rng: _Rng, tenths: np.ndarray) -> np.ndarray:
    # A second score that differs, so that the tie rules decide the pair.
    step = rng.integers(5, 21, tenths.size) * rng.choice([-1, 1], tenths.size)
    return np.clip(tenths + step, 0, 100)


def _other_payer(rng: _Rng, payer: np.ndarray) -> np.ndarray:
    """A mapped payer different from each given one."""
    return (payer % 5 + rng.integers(1, 5, payer.size)) % 5


# --- providers and persons ---


def _pools(seed: int) -> _Pools:
    rng = np.random.default_rng([seed, _POOL_STREAM])
    npis = _npis(rng, _SURGEONS + _ASSISTANTS + _CLINICIANS)
    return _Pools(
        npis[:_SURGEONS], npis[_SURGEONS : _SURGEONS + _ASSISTANTS], npis[_SURGEONS + _ASSISTANTS :]
    )


def _npis(rng: _Rng, n: int) -> np.ndarray:
    """Distinct individual NPIs with a valid check digit (Luhn over 80840 + 9 digits)."""
    base = rng.permutation(np.unique(rng.integers(100_000_000, 200_000_000, 2 * n)))[:n]
    digits = base[:, None] // 10 ** np.arange(8, -1, -1) % 10
    doubled = digits[:, ::2] * 2
    total = 24 + (doubled // 10 + doubled % 10).sum(axis=1) + digits[:, 1::2].sum(axis=1)
    return base * 10 + (10 - total % 10) % 10


def _people(rng: _Rng, first: int, n: int, pools: _Pools) -> _People:
    payer = _allocate(rng, n, _PAYER_SHARES)
    surgeries, surgery1, surgery2 = _surgery_dates(rng, n)
    surgical = surgeries > 0
    cohort = _age_cohorts(rng, surgical, payer)
    second_payer = np.full(n, -1)
    dual = _choose(rng, surgical & (cohort == _ADULT) & (payer != _UNMAPPED), _count(0.01, surgical.sum()))
    second_payer[dual] = _other_payer(rng, payer[dual])
    no_eligibility = _choose(rng, surgical & (cohort == _ADULT) & ~dual, _count(0.003, surgical.sum()))
    exclusion, exclusion_dx, exclusion_payer = _exclusions(
        rng, surgical & (cohort == _ADULT) & ~no_eligibility, payer
    )
    plan1, plan2, plan_switch = _plans(rng, payer, dual)
    ids = _ids("P", np.arange(first + 1, first + n + 1), 7)
    return _People(
        first=first,
        ids=ids,
        payer=payer,
        female=rng.random(n) < 0.55,
        clinician=_pick(rng, pools.clinicians, n),
        plan1=plan1,
        plan2=plan2,
        plan_switch=plan_switch,
        enrollment_start=_between(rng, _ENROLLMENT_FIRST, _day("2021-03-31"), n),
        surgeries=surgeries,
        surgery1=surgery1,
        surgery2=surgery2,
        cohort=cohort,
        second_payer=second_payer,
        no_eligibility=no_eligibility,
        exclusion=exclusion,
        exclusion_dx=exclusion_dx,
        exclusion_payer=exclusion_payer,
        distractor=_distractors(rng, surgical),
        birth=_birth_dates(rng, cohort, payer, surgery1),
    )


def _surgery_dates(rng: _Rng, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    surgical = _choose(rng, np.ones(n, dtype=bool), _count(0.60, n))
    twice = _choose(rng, surgical, _count(0.05, surgical.sum()))
    first = np.where(surgical, _between(rng, _SURGERY_FIRST, _SURGERY_LAST, n), -1)
    # A second fusion at least six months after the first, still inside the period.
    first[twice] = _between(rng, _SURGERY_FIRST, _SURGERY_LAST - 180, int(twice.sum()))
    second = np.full(n, -1)
    second[twice] = _between(rng, first[twice] + 180, _SURGERY_LAST)
    pinned = np.flatnonzero(_choose(rng, surgical & ~twice, _PINNED_SURGERY_DAYS.size))
    first[pinned] = _PINNED_SURGERY_DAYS[: pinned.size]
    return surgical.astype(np.int64) + twice, first, second


def _age_cohorts(rng: _Rng, surgical: np.ndarray, payer: np.ndarray) -> np.ndarray:
    # Young patients sit on commercial plans; Medicare would be implausible.
    cohort = np.full(surgical.size, _ADULT)
    for code, share in ((_AGE_17, 0.005), (_AGE_18_ON_OCT_1, 0.003), (_AGE_18, 0.002)):
        eligible = surgical & (payer != _MEDICARE) & (cohort == _ADULT)
        cohort[_choose(rng, eligible, _count(share, surgical.sum()))] = code
    return cohort


def _birth_dates(rng: _Rng, cohort: np.ndarray, payer: np.ndarray, surgery1: np.ndarray) -> np.ndarray:
    n = cohort.size
    reference = np.where(surgery1 >= 0, surgery1, _day("2024-07-01"))
    age = np.where(
        payer == _MEDICARE,
        65 + np.minimum(rng.exponential(7.0, n), 24),
        np.clip(rng.normal(52, 9, n), 19, 64),
    )
    birth = reference - np.floor(age * 365.25).astype(np.int64)
    # The age rule looks at the 1 October on or before the fusion: these sit on its edge.
    eighteenth = _add_months(_oct1_on_or_before(reference), -18 * 12)
    later = rng.integers(1, 365, n)
    birth = np.where(cohort == _AGE_17, eighteenth + later, birth)
    birth = np.where(cohort == _AGE_18_ON_OCT_1, eighteenth, birth)
    return np.where(cohort == _AGE_18, _add_months(eighteenth, -12) + later, birth)


def _exclusions(
    rng: _Rng, eligible: np.ndarray, payer: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person: exclusion kind (0, 1 recent, 2 old), its diagnosis code and the billed payer."""
    n_surgical = int(eligible.sum())
    recent = _choose(rng, eligible, _count(0.04, n_surgical, minimum=len(_EXCLUSION_DX)))
    old = _choose(rng, eligible & ~recent, _count(0.01, n_surgical))
    kind = recent.astype(np.int64) + 2 * old
    reason = np.zeros(payer.size, dtype=np.int64)
    # Every reason occurs among the recent ones, whatever their number.
    reason[recent] = rng.permutation(np.arange(recent.sum()) % len(_EXCLUSION_DX))
    reason[old] = rng.integers(0, len(_EXCLUSION_DX), old.sum())
    flat = _one_of(rng, _EXCLUSION_OFFSET[reason], _EXCLUSION_COUNT[reason])
    dx = np.where(kind > 0, _codes(_DX, _EXCLUSION_FLAT)[flat], 0)
    billed = payer.copy()
    elsewhere = _choose(rng, kind > 0, _count(0.10, int((kind > 0).sum())))
    billed[elsewhere] = _other_payer(rng, payer[elsewhere])
    return kind, dx, billed


def _distractors(rng: _Rng, surgical: np.ndarray) -> np.ndarray:
    kind = np.full(surgical.size, _NO_DISTRACTOR)
    for code in (_ADDON_ONLY, _CERVICAL):
        kind[_choose(rng, ~surgical & (kind == _NO_DISTRACTOR), _count(0.005, surgical.size))] = code
    return kind


def _plans(rng: _Rng, payer: np.ndarray, dual: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = payer.size
    medicare = payer == _MEDICARE
    medicare_plans = len(_PLANS) - _COMMERCIAL_PLANS
    offset = np.where(medicare, _COMMERCIAL_PLANS, 0)
    count = np.where(medicare, medicare_plans, _COMMERCIAL_PLANS)
    plan1 = _one_of(rng, offset, count)
    plan2 = offset + (plan1 - offset + 1) % count  # another plan of the same payer
    # Plan changes happen at open enrollment: a second span from 1 January.
    switched = _choose(rng, ~dual, _count(0.30, n))
    switch = np.where(switched, _jan1(rng.integers(2022, 2027, n)), _NO_SWITCH)
    return plan1, plan2, switch


def _secondary_plan(payer: np.ndarray) -> np.ndarray:
    return np.where(payer == _MEDICARE, _COMMERCIAL_PLANS, 0)


# --- surgeries and claim lines ---


def _surgeries(rng: _Rng, people: _People, pools: _Pools) -> _Surgeries:
    person = np.concatenate([np.flatnonzero(people.surgeries >= 1), np.flatnonzero(people.surgeries == 2)])
    date = np.concatenate([people.surgery1[people.surgeries >= 1], people.surgery2[people.surgeries == 2]])
    is_first = np.arange(person.size) < (people.surgeries >= 1).sum()
    n = person.size
    second_payer = np.where(is_first, people.second_payer[person], -1)
    dual = second_payer >= 0
    # Surgeon-only or facility-only billing, never for the dual-payer copies.
    facility_only = _choose(rng, ~dual, _count(0.02, n))
    surgeon_only = _choose(rng, ~dual & ~facility_only, _count(0.03, n))
    primary = _pick(rng, _codes(_HCPCS, _PRIMARY_CPT), n, _PRIMARY_WEIGHTS)
    addon_of = np.zeros(len(_HCPCS), dtype=np.int64)
    addon_of[_codes(_HCPCS, list(_ADDON_OF))] = _codes(_HCPCS, list(_ADDON_OF.values()))
    plain = (people.cohort == _ADULT) & (people.exclusion == 0) & ~people.no_eligibility
    plain &= (people.payer != _UNMAPPED) & (people.second_payer < 0) & (people.surgeries == 1)
    return _Surgeries(
        person=person,
        date=date,
        payer=people.payer[person],
        second_payer=second_payer,
        professional=~facility_only,
        facility=~surgeon_only,
        primary=primary,
        addon=np.where(rng.random(n) < 0.6, addon_of[primary], 0),
        instrumentation=np.where(rng.random(n) < 0.7, _pick(rng, _codes(_HCPCS, _INSTRUMENTATION_CPT), n), 0),
        graft=np.where(rng.random(n) < 0.4, _pick(rng, _codes(_HCPCS, _GRAFT_CPT), n), 0),
        assistant_modifier=np.where(rng.random(n) < 0.3, rng.integers(1, len(_MODIFIERS), n), 0),
        surgeon=_pick(rng, pools.surgeons, n),
        assistant=_pick(rng, pools.assistants, n),
        pos=np.where(rng.random(n) < 0.85, _POS.index("21"), _POS.index("22")),
        pcs=_facility_procedures(rng, n),
        admit=date - (rng.random(n) < 0.2),
        discharge=date + rng.integers(1, 6, n),
        facility_lines=rng.integers(1, 5, n),
        dx=_surgery_dx(rng, n),
        plain=plain[person],
    )


def _facility_procedures(rng: _Rng, n: int) -> np.ndarray:
    lumbar = _codes(_PCS, _LUMBAR_PCS)
    fusion = _pick(rng, lumbar, n)
    u = rng.random(n)
    level = (np.searchsorted(lumbar, fusion) + rng.integers(1, lumbar.size, n)) % lumbar.size
    second = np.where(u < 0.4, _PCS.index("0SB20ZZ"), np.where(u < 0.6, lumbar[level], 0))
    third = np.where(rng.random(n) < 0.15, _PCS.index("0SB40ZZ"), 0)
    pcs = np.column_stack([fusion, second, third])
    # Sometimes the disc excision is listed first: the fusion must be found in any position.
    swap = (second == _PCS.index("0SB20ZZ")) & (rng.random(n) < 0.25)
    pcs[swap, :2] = pcs[swap, 1::-1]
    return pcs


def _surgery_dx(rng: _Rng, n: int) -> np.ndarray:
    pool = _codes(_DX, _SURGERY_DX)
    order = np.argsort(rng.random((n, pool.size)), axis=1)[:, :2]
    comorbidity = np.where(rng.random(n) < 0.3, _pick(rng, _codes(_DX, _COMORBIDITY_DX), n), 0)
    return np.column_stack([pool[order], comorbidity])


def _visit_dx(rng: _Rng, n: int, minimum: int = 1) -> np.ndarray:
    """(n, 4) distinct weighted visit diagnoses, trailing positions empty."""
    keys = np.log(_VISIT_DX_WEIGHTS) + rng.gumbel(size=(n, _VISIT_DX_WEIGHTS.size))
    dx = _codes(_DX, _VISIT_DX)[np.argsort(-keys, axis=1)[:, :4]]
    u = rng.random(n)
    present = np.maximum(minimum, 1 + (u < 0.55) + (u < 0.25) + (u < 0.10))
    return np.where(np.arange(4) < present[:, None], dx, 0)


_CLAIM_KEYS = (
    "person",
    "payer",
    "claim",
    "line",
    "institutional",
    "start",
    "end",
    "pos",
    "hcpcs",
    "modifier",
    "npi",
    "dx1",
    "dx2",
    "dx3",
    "dx4",
    "pcs1",
    "pcs2",
    "pcs3",
    "procedure_date",
    "bad",
)


def _part(keys: Sequence[str], n: int, **columns: np.ndarray | int) -> _Rows:
    unknown = set(columns) - set(keys)
    if unknown:
        raise TypeError(f"unknown row keys: {sorted(unknown)}")
    return {k: np.broadcast_to(np.asarray(columns.get(k, 0), dtype=np.int64), (n,)) for k in keys}


def _concat(parts: Sequence[_Rows]) -> _Rows:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _sorted(rows: _Rows, keys: Sequence[str]) -> _Rows:
    order = np.lexsort([rows[k] for k in reversed(keys)])
    return {k: v[order] for k, v in rows.items()}


def _columns(prefix: str, matrix: np.ndarray) -> _Rows:
    return {f"{prefix}{i + 1}": matrix[:, i] for i in range(matrix.shape[1])}


def _explode(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, line number, code) for each non-zero cell of an (n, k) code matrix,
    lines numbered from 1 within each row."""
    present = codes > 0
    line = np.cumsum(present, axis=1)
    row, slot = np.nonzero(present)
    return row, line[row, slot], codes[row, slot]


def _numbered(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, line number from 1) for `counts[row]` lines per row."""
    row = np.repeat(np.arange(counts.size), counts)
    return row, np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1


def _claim_rows(rng: _Rng, people: _People, s: _Surgeries, pools: _Pools) -> _Rows:
    ids = _Counter()
    dual = s.second_payer >= 0
    parts = [
        _surgeon_claims(s, s.professional, s.payer, ids),
        _surgeon_claims(s, dual, s.second_payer, ids),  # the same fusion billed to a second payer
        _assistant_claims(s, ids),
        _facility_claims(s, ids),
        _visit_claims(rng, people, ids),
        _exclusion_claims(rng, people, ids),
        *_distractor_claims(rng, people, pools, ids),
    ]
    rows = _with_bad_rows(rng, _concat(parts), "medical_claim", ids)
    rows = _sorted(rows, ("person", "start", "claim", "line"))
    # Renumber claims in file order: lines of a claim share person and date, so they are adjacent.
    rows["claim"] = np.cumsum(np.r_[True, rows["claim"][1:] != rows["claim"][:-1]])
    return rows


def _surgeon_claims(s: _Surgeries, selected: np.ndarray, payer: np.ndarray, ids: _Counter) -> _Rows:
    which = np.flatnonzero(selected)
    codes = np.column_stack([s.primary, s.addon, s.instrumentation, s.graft])[which]
    row, line, code = _explode(codes)
    claim = ids.take(which.size)
    at = which[row]
    return _part(
        _CLAIM_KEYS,
        row.size,
        person=s.person[at],
        payer=payer[at],
        claim=claim[row],
        line=line,
        start=s.date[at],
        end=s.date[at],
        pos=s.pos[at],
        hcpcs=code,
        npi=s.surgeon[at],
        **_columns("dx", s.dx[at]),
    )


def _assistant_claims(s: _Surgeries, ids: _Counter) -> _Rows:
    which = np.flatnonzero(s.professional & (s.assistant_modifier > 0))
    row, line, code = _explode(np.column_stack([s.primary, s.addon])[which])
    claim = ids.take(which.size)
    at = which[row]
    return _part(
        _CLAIM_KEYS,
        row.size,
        person=s.person[at],
        payer=s.payer[at],
        claim=claim[row],
        line=line,
        start=s.date[at],
        end=s.date[at],
        pos=s.pos[at],
        hcpcs=code,
        modifier=s.assistant_modifier[at],
        npi=s.assistant[at],
        **_columns("dx", s.dx[at]),
    )


def _facility_claims(s: _Surgeries, ids: _Counter) -> _Rows:
    # Institutional lines repeat the header's diagnoses and ICD-10-PCS procedures,
    # as in Tuva's medical_claim; the admission may be the day before the fusion.
    which = np.flatnonzero(s.facility)
    row, line = _numbered(s.facility_lines[which])
    claim = ids.take(which.size)
    at = which[row]
    return _part(
        _CLAIM_KEYS,
        row.size,
        person=s.person[at],
        payer=s.payer[at],
        claim=claim[row],
        line=line,
        institutional=1,
        start=s.admit[at],
        end=s.discharge[at],
        npi=s.surgeon[at],
        procedure_date=s.date[at],
        **_columns("dx", s.dx[at]),
        **_columns("pcs", s.pcs[at]),
    )


def _visit_claims(rng: _Rng, people: _People, ids: _Counter) -> _Rows:
    person = np.repeat(np.arange(people.payer.size), 2 + rng.poisson(3.2, people.payer.size))
    n = person.size
    around = people.surgery1[person]
    anywhere = _between(rng, _ACTIVITY_FIRST, _ACTIVITY_LAST, n)
    date = np.where(around >= 0, around + rng.integers(-540, 541, n), anywhere)
    em = _pick(rng, _codes(_HCPCS, _EM_CPT), n, _EM_WEIGHTS)
    extra = np.where(rng.random(n) < 0.25, _pick(rng, _codes(_HCPCS, _EXTRA_CPT), n), 0)
    row, line, code = _explode(np.column_stack([em, extra]))
    claim = ids.take(n)
    at = person[row]
    return _part(
        _CLAIM_KEYS,
        row.size,
        person=at,
        payer=people.payer[at],
        claim=claim[row],
        line=line,
        start=date[row],
        end=date[row],
        pos=_POS.index("11"),
        hcpcs=code,
        npi=people.clinician[at],
        **_columns("dx", _visit_dx(rng, n)[row]),
    )


def _exclusion_claims(rng: _Rng, people: _People, ids: _Counter) -> _Rows:
    who = np.flatnonzero(people.exclusion > 0)
    surgery = people.surgery1[who]
    recent = people.exclusion[who] == 1
    # 0-11 months before the fusion excludes it; 13-18 months before must not.
    lo = np.where(recent, _add_months(surgery, -11), _add_months(surgery, -18))
    hi = np.where(recent, surgery, _add_months(surgery, -13))
    dx = _visit_dx(rng, who.size, minimum=3)
    dx[np.arange(who.size), rng.integers(0, 3, who.size)] = people.exclusion_dx[who]
    date = _between(rng, lo, hi)
    return _part(
        _CLAIM_KEYS,
        who.size,
        person=who,
        payer=people.exclusion_payer[who],
        claim=ids.take(who.size),
        line=1,
        start=date,
        end=date,
        pos=_POS.index("11"),
        hcpcs=_HCPCS.index("99214"),
        npi=people.clinician[who],
        **_columns("dx", dx),
    )


def _distractor_claims(rng: _Rng, people: _People, pools: _Pools, ids: _Counter) -> list[_Rows]:
    # Spine surgery that is not an index procedure: an add-on code without its
    # primary, and a cervical fusion (CPT and ICD-10-PCS).
    addon = np.flatnonzero(people.distractor == _ADDON_ONLY)
    cervical = np.flatnonzero(people.distractor == _CERVICAL)
    common = {"pos": _POS.index("21"), "dx1": _DX.index("M51.36")}
    addon_day = _between(rng, _SURGERY_FIRST, _SURGERY_LAST, addon.size)
    cervical_day = _between(rng, _SURGERY_FIRST, _SURGERY_LAST, cervical.size)
    return [
        _part(
            _CLAIM_KEYS,
            addon.size,
            person=addon,
            payer=people.payer[addon],
            claim=ids.take(addon.size),
            line=1,
            start=addon_day,
            end=addon_day,
            hcpcs=_pick(rng, _codes(_HCPCS, _ADDON_CPT), addon.size),
            npi=_pick(rng, pools.surgeons, addon.size),
            **common,
        ),
        _part(
            _CLAIM_KEYS,
            cervical.size,
            person=cervical,
            payer=people.payer[cervical],
            claim=ids.take(cervical.size),
            line=1,
            start=cervical_day,
            end=cervical_day,
            hcpcs=_HCPCS.index(_CERVICAL_CPT),
            npi=_pick(rng, pools.surgeons, cervical.size),
            **common,
        ),
        _part(
            _CLAIM_KEYS,
            cervical.size,
            person=cervical,
            payer=people.payer[cervical],
            claim=ids.take(cervical.size),
            line=1,
            institutional=1,
            start=cervical_day,
            end=cervical_day + 1,
            pcs1=_pick(rng, _codes(_PCS, _CERVICAL_PCS), cervical.size),
            procedure_date=cervical_day,
            dx1=_DX.index("M51.36"),
        ),
    ]


def _bad_count(table: str, rows: int) -> int:
    return max(_MIN_BAD_ROWS, round(_BAD_SHARE[table] * rows))


def _with_bad_rows(rng: _Rng, rows: _Rows, table: str, ids: _Counter | None = None) -> _Rows:
    """Appends copies of random good rows marked with a bad kind (1-based position in
    BAD_ROWS[table]); claim copies get claim numbers of their own so that
    (claim_id, claim_line_number) stays unique."""
    n = rows["bad"].size
    copies = [rows]
    for kind in range(1, len(BAD_ROWS[table]) + 1):
        k = _bad_count(table, n)
        copy = {key: value[rng.integers(0, n, k)] for key, value in rows.items()}
        copy["bad"] = np.full(k, kind)
        if ids is not None:
            copy["claim"], copy["line"] = ids.take(k), np.ones(k, dtype=np.int64)
        copies.append(copy)
    return _concat(copies)


# --- pain scores ---

_PAIN_KEYS = ("person", "date", "site", "kind", "value", "bad")

# Boundary cases: (needs a baseline, instrument, preoperative, one-year) in
# tenths of the 0-10 scale. The values make the boundary decide the outcome.
_PINS: dict[str, tuple[bool, int, int, int]] = {
    "improvement_5_nrs_8.1_to_3.1": (True, _NRS_DEC, 81, 31),
    "improvement_5_vas_81_to_31_mm": (True, _VAS_MM, 81, 31),
    "improvement_5_vas_8.1_to_3.1_cm": (True, _VAS_CM, 81, 31),
    "improvement_4.9_nrs_8.0_to_3.1": (True, _NRS_DEC, 80, 31),
    "one_year_3_nrs": (True, _NRS_INT, 70, 30),
    "one_year_3.0_nrs": (True, _NRS_DEC, 70, 30),
    "one_year_30_mm": (True, _VAS_MM, 70, 30),
    "baseline_3_months_before": (True, _NRS_DEC, 90, 40),
    "baseline_on_surgery_day": (True, _NRS_DEC, 85, 35),
    "one_year_at_9_months": (True, _NRS_INT, 70, 20),
    "one_year_at_15_months": (True, _NRS_INT, 70, 20),
    "preop_day_before_window": (False, _NRS_DEC, 100, 45),
}


def _pain_rows(rng: _Rng, people: _People, s: _Surgeries) -> tuple[_Rows, np.ndarray]:
    """Score rows and the mask of persons who carry a boundary case."""
    n = s.person.size
    kind = _pick(rng, np.arange(4), n, _PAIN_KIND_SHARES)
    pre = _tenths(rng.normal(6.5, 2.1, n))
    post = np.clip(pre - np.rint(rng.normal(3.9, 3.1, n) * 10).astype(np.int64), 0, 100)
    baseline = _choose(rng, np.ones(n, dtype=bool), _count(0.85, n))
    one_year = _choose(rng, np.ones(n, dtype=bool), _count(0.50, n))
    pins = _pin_boundaries(rng, s.plain & one_year, baseline, kind, pre, post)
    pinned = np.logical_or.reduce(list(pins.values()))
    back = _concat(
        [
            *_baseline_scores(rng, s, kind, pre, baseline, pins, pinned),
            *_older_scores(rng, s, kind, pre, pins),
            _postop_scores(rng, s, kind, (pre + post) // 2),
            *_one_year_scores(rng, s, kind, post, one_year, pins, pinned),
            _background_scores(rng, people),
        ]
    )
    rows = _concat([back, _leg_scores(rng, back)])
    # NRS written as integers holds whole points only.
    whole_points = np.rint(rows["value"] / 10).astype(np.int64) * 10
    rows["value"] = np.where(rows["kind"] == _NRS_INT, whole_points, rows["value"])
    rows = _with_bad_rows(rng, rows, "pain_score")
    boundary_people = np.zeros(people.payer.size, dtype=bool)
    boundary_people[s.person[pinned]] = True
    return _sorted(rows, ("person", "date", "site", "bad")), boundary_people


def _pin_boundaries(
    rng: _Rng,
    candidates: np.ndarray,
    baseline: np.ndarray,
    kind: np.ndarray,
    pre: np.ndarray,
    post: np.ndarray,
) -> _Rows:
    """Chooses the surgeries of each boundary case and sets their scores in place."""
    used = np.zeros(candidates.size, dtype=bool)
    pins = {}
    for name, (needs_baseline, instrument, before, after) in _PINS.items():
        eligible = candidates & ~used & (baseline if needs_baseline else ~baseline)
        pins[name] = _choose(rng, eligible, _count(0.002, candidates.size))
        used |= pins[name]
        kind[pins[name]], pre[pins[name]], post[pins[name]] = instrument, before, after
    return pins


def _scores(person: np.ndarray, date: np.ndarray, kind: np.ndarray, value: np.ndarray) -> _Rows:
    return _part(_PAIN_KEYS, person.size, person=person, date=date, site=_BACK, kind=kind, value=value)


def _baseline_scores(
    rng: _Rng,
    s: _Surgeries,
    kind: np.ndarray,
    pre: np.ndarray,
    chosen: np.ndarray,
    pins: _Rows,
    pinned: np.ndarray,
) -> list[_Rows]:
    lo = _add_months(s.date, -3)
    date = _between(rng, lo, s.date)
    date[pins["baseline_3_months_before"]] = lo[pins["baseline_3_months_before"]]
    date[pins["baseline_on_surgery_day"]] = s.date[pins["baseline_on_surgery_day"]]
    # Two scores the same day (the lowest counts) or an earlier one (the latest counts).
    same_day = _choose(rng, chosen & ~pinned, _count(0.08, chosen.sum()))
    earlier = _choose(rng, chosen & ~pinned & ~same_day & (date > lo), _count(0.10, chosen.sum()))
    return [
        _scores(s.person[chosen], date[chosen], kind[chosen], pre[chosen]),
        _scores(s.person[same_day], date[same_day], kind[same_day], _jitter(rng, pre[same_day])),
        _scores(
            s.person[earlier],
            _between(rng, lo[earlier], date[earlier] - 1),
            kind[earlier],
            _jitter(rng, pre[earlier]),
        ),
    ]


def _older_scores(
    rng: _Rng,
    s: _Surgeries,
    kind: np.ndarray,
    pre: np.ndarray,
    pins: _Rows,
) -> list[_Rows]:
    # 4-6 months before the fusion, and one day before the 3-month window: never baseline.
    older = _choose(rng, np.ones(s.person.size, dtype=bool), _count(0.25, s.person.size))
    edge = pins["preop_day_before_window"]
    date = _between(rng, _add_months(s.date, -6), _add_months(s.date, -4))
    return [
        _scores(s.person[older], date[older], kind[older], _jitter(rng, pre[older])),
        _scores(s.person[edge], _add_months(s.date[edge], -3) - 1, kind[edge], pre[edge]),
    ]


def _postop_scores(rng: _Rng, s: _Surgeries, kind: np.ndarray, value: np.ndarray) -> _Rows:
    chosen = _choose(rng, np.ones(s.person.size, dtype=bool), _count(0.35, s.person.size))
    date = _between(rng, _add_months(s.date, 3), _add_months(s.date, 6))
    return _scores(s.person[chosen], date[chosen], kind[chosen], _jitter(rng, value[chosen]))


def _one_year_scores(
    rng: _Rng,
    s: _Surgeries,
    kind: np.ndarray,
    post: np.ndarray,
    chosen: np.ndarray,
    pins: _Rows,
    pinned: np.ndarray,
) -> list[_Rows]:
    n = s.person.size
    lo, hi = _add_months(s.date, 9), _add_months(s.date, 15)
    date = np.clip(_add_months(s.date, 12) + np.rint(rng.normal(0, 30, n)).astype(np.int64), lo, hi)
    date[pins["one_year_at_9_months"]] = lo[pins["one_year_at_9_months"]]
    date[pins["one_year_at_15_months"]] = hi[pins["one_year_at_15_months"]]
    # A second score in the window: the one closest to 12 months counts.
    second = _choose(rng, chosen & ~pinned, _count(0.10, chosen.sum()))
    # Scores just outside the window leave the episode unmeasured.
    late = _choose(rng, ~chosen, _count(0.04, n))
    early = _choose(rng, ~chosen & ~late, _count(0.03, n))
    too_early = _between(rng, _add_months(s.date, 6) + 1, lo - 1)
    outside = np.where(late, _between(rng, hi + 1, hi + 60), too_early)
    return [
        _scores(s.person[chosen], date[chosen], kind[chosen], post[chosen]),
        _scores(
            s.person[second], _between(rng, lo[second], hi[second]), kind[second], _jitter(rng, post[second])
        ),
        _scores(s.person[late | early], outside[late | early], kind[late | early], post[late | early]),
    ]


def _background_scores(rng: _Rng, people: _People) -> _Rows:
    # Back pain recorded for persons without a fusion: must never pair with anything.
    who = _choose(rng, people.surgeries == 0, _count(0.15, int((people.surgeries == 0).sum())))
    person = np.repeat(np.flatnonzero(who), 1 + (rng.random(int(who.sum())) < 0.5))
    date = _between(rng, _ACTIVITY_FIRST, _ACTIVITY_LAST, person.size)
    return _scores(person, date, np.full(person.size, _NRS_INT), _tenths(rng.normal(5.0, 2.5, person.size)))


def _leg_scores(rng: _Rng, back: _Rows) -> _Rows:
    # Leg pain taken alongside, on the same instrument: never counts for this measure.
    keep = rng.random(back["person"].size) < 0.6
    value = np.clip(back["value"][keep] + np.rint(rng.normal(-5, 15, keep.sum())).astype(np.int64), 0, 100)
    return _part(
        _PAIN_KEYS,
        int(keep.sum()),
        person=back["person"][keep],
        date=back["date"][keep],
        site=_LEG,
        kind=back["kind"][keep],
        value=value,
    )


# --- eligibility ---

_ELIGIBILITY_KEYS = ("person", "payer", "plan", "start", "end", "bad")


def _eligibility_rows(rng: _Rng, people: _People, protected: np.ndarray) -> _Rows:
    has = np.flatnonzero(~people.no_eligibility)
    switched = has[people.plan_switch[has] <= _ENROLLMENT_LAST]
    dual = has[people.second_payer[has] >= 0]
    second_payer = people.second_payer[dual]
    rows = _concat(
        [
            _part(
                _ELIGIBILITY_KEYS,
                has.size,
                person=has,
                payer=people.payer[has],
                plan=people.plan1[has],
                start=people.enrollment_start[has],
                end=np.minimum(people.plan_switch[has] - 1, _ENROLLMENT_LAST),
            ),
            _part(
                _ELIGIBILITY_KEYS,
                switched.size,
                person=switched,
                payer=people.payer[switched],
                plan=people.plan2[switched],
                start=people.plan_switch[switched],
                end=_ENROLLMENT_LAST,
            ),
            _part(
                _ELIGIBILITY_KEYS,
                dual.size,
                person=dual,
                payer=second_payer,
                plan=_secondary_plan(second_payer),
                start=_add_months(people.surgery1[dual], -12),
                end=_add_months(people.surgery1[dual], 24),
            ),
        ]
    )
    return _sorted(_spoil_birth_dates(rng, rows, people, protected), ("person", "start", "payer"))


def _spoil_birth_dates(rng: _Rng, rows: _Rows, people: _People, protected: np.ndarray) -> _Rows:
    # In place, not as extra copies: a person whose every span lacks a usable
    # birth date must leave the denominator and show in the data-quality report.
    # Age-edge and boundary-score persons keep theirs so their cases stay visible.
    rows["bad"] = rows["bad"].copy()
    eligible = ~protected[rows["person"]] & (people.cohort[rows["person"]] == _ADULT)
    k = _bad_count("eligibility", rows["bad"].size)
    for kind in range(1, len(BAD_ROWS["eligibility"]) + 1):
        rows["bad"][_choose(rng, eligible & (rows["bad"] == 0), k)] = kind
    return rows


# --- text ---


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(_text(numbers), width=width, padding="0"), "")


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def _iso(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days).astype("datetime64[D]")).cast(pa.string())


def _lookup(vocab: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    return pa.array(vocab, pa.string()).take(codes)


def _override(values: pa.Array, mask: np.ndarray, value: str | None) -> pa.Array:
    if not mask.any():
        return values
    return pc.if_else(pa.array(mask), pa.scalar(value, pa.string()), values)


def _constant(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def _table(name: str, columns: dict[str, pa.Array], order: Sequence[str], bad: np.ndarray) -> pa.Table:
    """The table's columns in order, with each bad kind's cells written over its rows."""
    for kind, cells in enumerate(BAD_ROWS[name].values(), start=1):
        for column, value in cells.items():
            columns[column] = _override(columns[column], bad == kind, value)
    return pa.table({column: columns[column] for column in order})


def _member_ids(people: _People, person: np.ndarray, payer: np.ndarray) -> pa.Array:
    # One member id per person and payer, as each payer numbers its own members.
    number = pc.utf8_lpad(_text(people.first + person + 1), width=8, padding="0")
    return pc.binary_join_element_wise(_MEMBER_PREFIX.take(payer), number, "")


def _payer_text(rng: _Rng, payer: np.ndarray) -> pa.Array:
    return _SPELLINGS.take(_one_of(rng, _SPELLING_OFFSET[payer], _SPELLING_COUNT[payer]))


def _plan_codes(people: _People, person: np.ndarray, payer: np.ndarray, day: np.ndarray) -> np.ndarray:
    own = np.where(day >= people.plan_switch[person], people.plan2[person], people.plan1[person])
    return np.where(payer == people.payer[person], own, _secondary_plan(payer))


def _dx_text(codes: np.ndarray, u: np.ndarray) -> pa.Array:
    # Feeds write ICD-10-CM with and without the dot, now and then in lower case;
    # u (one draw per claim) keeps a claim's lines in one style.
    text = _lookup(_DX, codes)
    text = pc.if_else(pa.array(u < 0.35), pc.replace_substring(text, ".", ""), text)
    return pc.if_else(pa.array(u > 0.95), pc.utf8_lower(text), text)


def _claims_table(rng: _Rng, rows: _Rows, people: _People, chunk: int) -> pa.Table:
    n, person, payer = rows["claim"].size, rows["person"], rows["payer"]
    dx_style = rng.random(int(rows["claim"].max()) + 1)[rows["claim"]]
    institutional = rows["institutional"] == 1
    columns = {
        "claim_id": _ids(f"CLM{chunk:03d}", rows["claim"], 7),
        "claim_line_number": _text(rows["line"]),
        "claim_type": pc.if_else(pa.array(institutional), "institutional", "professional"),
        "person_id": people.ids.take(person),
        "member_id": _member_ids(people, person, payer),
        "payer": _payer_text(rng, payer),
        "plan": _PLANS.take(_plan_codes(people, person, payer, rows["start"])),
        "claim_line_start_date": _iso(rows["start"]),
        "claim_line_end_date": _iso(rows["end"]),
        "place_of_service_code": _lookup(_POS, rows["pos"]),
        "hcpcs_code": _lookup(_HCPCS, rows["hcpcs"]),
        "hcpcs_modifier_1": _lookup(_MODIFIERS, rows["modifier"]),
        "rendering_npi": _override(_text(rows["npi"]), rows["npi"] == 0, None),
        "diagnosis_code_type": _constant("icd-10-cm", n),
        "procedure_code_type": _override(_constant("icd-10-pcs", n), ~institutional, None),
        "data_source": _constant(_DATA_SOURCE, n),
    }
    for i in range(1, 5):
        columns[f"diagnosis_code_{i}"] = _dx_text(rows[f"dx{i}"], dx_style)
    for i in range(1, 4):
        columns[f"procedure_code_{i}"] = _lookup(_PCS, rows[f"pcs{i}"])
        columns[f"procedure_date_{i}"] = _override(_iso(rows["procedure_date"]), rows[f"pcs{i}"] == 0, None)
    return _table("medical_claim", columns, CLAIM_COLUMNS, rows["bad"])


def _score_text(kind: np.ndarray, value: np.ndarray) -> pa.Array:
    # value is in tenths of the 0-10 scale: NRS "7" or "7.3", VAS "73" (mm) or "7.3" (cm).
    whole = _text(value // 10)
    decimal = pc.binary_join_element_wise(whole, _text(value % 10), ".")
    one_decimal = (kind == _NRS_DEC) | (kind == _VAS_CM)
    as_written = pc.if_else(pa.array(kind == _VAS_MM), _text(value), whole)
    return pc.if_else(pa.array(one_decimal), decimal, as_written)


def _pain_table(rows: _Rows, people: _People, chunk: int) -> pa.Table:
    n, kind = rows["bad"].size, rows["kind"]
    columns = {
        "assessment_id": _ids(f"PS{chunk:03d}", np.arange(1, n + 1), 7),
        "person_id": people.ids.take(rows["person"]),
        "assessment_date": _iso(rows["date"]),
        "body_site": pc.if_else(pa.array(rows["site"] == _BACK), "back", "leg"),
        "instrument": pc.if_else(pa.array((kind == _VAS_MM) | (kind == _VAS_CM)), "VAS", "NRS"),
        "score": _score_text(kind, rows["value"]),
        "scale_max": pc.if_else(pa.array(kind == _VAS_MM), "100", "10"),
        "data_source": _constant(_DATA_SOURCE, n),
    }
    return _table("pain_score", columns, PAIN_COLUMNS, rows["bad"])


def _eligibility_table(rng: _Rng, rows: _Rows, people: _People) -> pa.Table:
    n, person = rows["bad"].size, rows["person"]
    columns = {
        "person_id": people.ids.take(person),
        "member_id": _member_ids(people, person, rows["payer"]),
        "gender": pc.if_else(pa.array(people.female[person]), "female", "male"),
        "birth_date": _iso(people.birth[person]),
        "payer": _payer_text(rng, rows["payer"]),
        "plan": _PLANS.take(rows["plan"]),
        "enrollment_start_date": _iso(rows["start"]),
        "enrollment_end_date": _iso(rows["end"]),
        "data_source": _constant(_DATA_SOURCE, n),
    }
    return _table("eligibility", columns, ELIGIBILITY_COLUMNS, rows["bad"])

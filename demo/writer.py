"""A deterministic, realistic synthetic landing folder (`g2139 demo-data`).

Writes Tuva-shaped medical claims, eligibility spans and pain scores so that a
new user can run the pipeline at once and see every outcome of both strata of
the measure (lumbar fusion; lumbar discectomy/laminectomy, the more common
surgery), all five payers plus an unmapped one, provider groups (TINs) with
several NPIs each, and every kind of bad input in small numbers.

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
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from demo.claims import claim_rows
from demo.eligibility import eligibility_rows
from demo.fhir import export_chunk
from demo.functional import functional_status_table
from demo.pain import pain_rows
from demo.people import Pools, people, pools
from demo.surgeries import surgeries
from demo.tables import claims_table, eligibility_table, pain_table

DEFAULT_PEOPLE = 3000
DEFAULT_SEED = 2139
CHUNK_PEOPLE = 50_000
ODI_STREAM = 471


def write_demo_landing(
    out_dir: Path, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED
) -> dict[str, int]:
    """Writes <out_dir>/medical_claim/, eligibility/, pain_score/, functional_status/, fhir/ and
    returns row counts per table (data rows written, bad rows included; the pain_score resend
    copy not counted; for fhir, the NDJSON lines)."""
    if people < 1:
        raise ValueError(f"people must be at least 1, got {people}")
    out_dir = Path(out_dir)
    _prepare_folders(out_dir, _planned_files(people))
    provider_pools = pools(seed)
    counts = {"medical_claim": 0, "eligibility": 0, "pain_score": 0, "functional_status": 0, "fhir": 0}
    for chunk, first in enumerate(range(0, people, CHUNK_PEOPLE)):
        rng = np.random.default_rng([seed, chunk])
        tables = _chunk_tables(rng, chunk, first, min(CHUNK_PEOPLE, people - first), provider_pools)
        # ODI questionnaires (#471) draw from a stream of their own: the other tables are
        # exactly what they were before the measure family.
        odi_rng = np.random.default_rng([seed, chunk, ODI_STREAM])
        tables["functional_status"] = functional_status_table(odi_rng, tables["pain_score"], chunk)
        _write_chunk(out_dir, chunk, tables)
        for name, table in tables.items():
            counts[name] += table.num_rows
        # An EHR export repeating part of the scores (demo.fhir): each must count once.
        counts["fhir"] += export_chunk(
            out_dir / "fhir", f"{chunk:03d}", tables["pain_score"], tables["eligibility"]
        )
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
        "functional_status": {f"functional_status_{t}.csv" for t in tags},
        "fhir": {f"{kind}_{t}.ndjson" for t in tags for kind in ("Observation", "Patient")},
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


def _chunk_tables(
    rng: np.random.Generator, chunk: int, first: int, size: int, provider_pools: Pools
) -> dict[str, pa.Table]:
    persons = people(rng, first, size, provider_pools)
    surgery = surgeries(rng, persons, provider_pools)
    claims = claims_table(rng, claim_rows(rng, persons, surgery, provider_pools), persons, chunk)
    scores, boundary_people = pain_rows(rng, persons, surgery)
    pain = pain_table(rng, scores, persons, chunk)
    eligibility = eligibility_table(rng, eligibility_rows(rng, persons, boundary_people), persons)
    return {"medical_claim": claims, "eligibility": eligibility, "pain_score": pain}


def _write_chunk(out_dir: Path, chunk: int, tables: dict[str, pa.Table]) -> None:
    tag = f"{chunk:03d}"
    claims = out_dir / "medical_claim"
    institutional = pc.equal(tables["medical_claim"]["claim_type"], "institutional")
    _write_csv(tables["medical_claim"].filter(pc.invert(institutional)), claims / f"professional_{tag}.csv")
    pq.write_table(tables["medical_claim"].filter(institutional), claims / f"institutional_{tag}.parquet")
    _write_csv(tables["eligibility"], out_dir / "eligibility" / f"eligibility_{tag}.csv")
    _write_csv(tables["pain_score"], out_dir / "pain_score" / f"pain_score_{tag}.csv")
    _write_csv(tables["functional_status"], out_dir / "functional_status" / f"functional_status_{tag}.csv")


def _write_csv(table: pa.Table, path: Path) -> None:
    # No quoting at all (no value holds a comma or quote) and empty cells for
    # nulls: the files look like what a payer extract looks like.
    options = pacsv.WriteOptions(
        batch_size=65_536, null_string="", quoting_style="none", quoting_header="none"
    )
    pacsv.write_csv(table, path, write_options=options)

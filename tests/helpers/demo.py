"""Reading the demo landing folder back as data frames, and the procedure codes it uses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from demo.bad_rows import BAD_ROWS

TABLES = ("medical_claim", "eligibility", "pain_score")
FUSION_CPT = {"22533", "22558", "22586", "22612", "22630", "22633"}
DISCECTOMY_CPT = {"63005", "63012", "63017", "63030", "63042", "63047", "63056"}
PRIMARY_CPT = FUSION_CPT | DISCECTOMY_CPT
ADDON_CPT = {"22534", "22585", "22614", "22632", "22634", "63035", "63043", "63044", "63048", "63057"}
FUSION_PCS, DISCECTOMY_PCS = {"0SG0", "0SG1", "0SG3"}, {"0SB2", "0SB4", "0ST2", "0ST4"}


def data_files(root: Path, table: str) -> list[Path]:
    """A table's chunk files, without the deliberate duplicate."""
    return sorted(p for p in (root / table).iterdir() if p.name != "pain_score_resend.csv")


def read_file(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas().fillna("")
    # Text as written: an empty cell stays "", never NaN.
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_table(root: Path, table: str) -> pd.DataFrame:
    return pd.concat([read_file(p) for p in data_files(root, table)], ignore_index=True)


def without_bad_rows(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    bad = pd.Series(False, index=frame.index)
    for cells in BAD_ROWS[table].values():
        bad |= matches(frame, cells)
    return frame[~bad]


def matches(frame: pd.DataFrame, cells: dict[str, str | None]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in cells.items():
        mask &= frame[column] == ("" if value is None else value)
    return mask


def surgeries(claims: pd.DataFrame) -> pd.DataFrame:
    """person_id, date, stratum of each surgery billed on professional lines; fusion wins."""
    primary = claims[claims["hcpcs_code"].isin(PRIMARY_CPT)]
    surgery = primary.assign(fusion=primary["hcpcs_code"].isin(FUSION_CPT))
    surgery = surgery.groupby(["person_id", "claim_line_start_date"], as_index=False)["fusion"].any()
    stratum = surgery["fusion"].map({True: "fusion", False: "discectomy"})
    return pd.DataFrame(
        {"person_id": surgery["person_id"], "date": surgery["claim_line_start_date"], "stratum": stratum}
    )

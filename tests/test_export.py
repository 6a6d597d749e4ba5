"""Exports open unchanged in pandas, pyarrow, DuckDB and as GeoJSON (export/writers.py)."""

import csv
import json
from datetime import date

import pytest

from dateline.export.writers import export, interaction
from dateline.model import ACLED_COLUMNS, Event


@pytest.fixture
def events():
    return [
        Event(doc_id="d", event_id=f"d-{i}", event_type="Explosions/Remote violence",
              sub_event_type="Remote explosive/landmine/IED", event_date=date(2024, 5, i), country="Iraq", iso=368,
              latitude=31.3 + i / 100, longitude=45.28, geo_precision=1, inter1=3, inter2=8, fatalities=i - 1,
              notes="Note, with comma; and \"quotes\"")
        for i in (1, 2)
    ]


def test_csv_has_acled_columns_first(tmp_path, events):
    p = tmp_path / "e.csv"
    assert export(events, p, "csv") == 2
    with open(p, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert tuple(header[: len(ACLED_COLUMNS)]) == ACLED_COLUMNS
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(p)
    assert df.loc[0, "interaction"] == 38 and df.loc[1, "fatalities"] == 1


def test_geojson_is_lon_lat(tmp_path, events):
    p = tmp_path / "e.geojson"
    export(events, p)
    fc = json.loads(p.read_text())
    assert fc["type"] == "FeatureCollection"
    assert fc["features"][0]["geometry"]["coordinates"] == pytest.approx([45.28, 31.31])


def test_parquet_and_duckdb(tmp_path, events):
    p = tmp_path / "e.parquet"
    export(events, p)
    import pyarrow.parquet as pq

    t = pq.read_table(p)
    assert t.num_rows == 2 and str(t.schema.field("event_date").type) == "date32[day]"
    duckdb = pytest.importorskip("duckdb")
    assert duckdb.sql(f"select count(*) from '{p}'").fetchall()[0][0] == 2


def test_jsonl_roundtrip(tmp_path, events):
    p = tmp_path / "e.jsonl"
    export(events, p)
    rows = [json.loads(line) for line in p.read_text().splitlines()]
    assert rows[0]["event_id"] == "d-1" and rows[0]["attribution"]["asserted_by"] == "outlet"


def test_interaction_codes():
    assert interaction(3, 8) == 38 and interaction(8, 3) == 38 and interaction(1, None) == 10


def test_unknown_format(tmp_path, events):
    with pytest.raises(ValueError):
        export(events, tmp_path / "x.xlsx")

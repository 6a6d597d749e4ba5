"""``dateline bench``: every CONTRACT key from one small run, and the docs table update."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dateline.bench import TABLE_END, TABLE_START, iter_generated, link_seconds, write_markdown
from dateline.cli import app

runner = CliRunner()


def test_bench_json_has_the_contract_keys(tmp_path):
    md = tmp_path / "bench.md"
    r = runner.invoke(app, ["bench", "--n", "12", "--json", "--no-dask", "--no-cold-start", "--markdown", str(md)],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout.strip().splitlines()[-1])
    for key in ("baseline_spacy_docs_per_s", "extract_docs_per_s", "extract_vs_spacy_ratio", "peak_rss_mb",
                "geoparse_docs_per_s", "classify_docs_per_s", "link_s"):
        assert isinstance(result[key], (int, float)) and result[key] > 0, key
    assert result["extract_vs_spacy_ratio"] == round(result["extract_docs_per_s"] / result["baseline_spacy_docs_per_s"], 3)
    assert result["n_docs"] == 12 and "| 12 |" in md.read_text("utf-8")


def test_generated_documents_vary():
    """Towns and paragraph order change; a one-paragraph report without a town repeats
    its text, under another id and date (so the store still keeps every copy)."""
    docs = list(iter_generated(30))
    assert len({d.text for d in docs}) >= 25
    assert len({d.content_hash for d in docs}) == 30


def test_markdown_rows_accumulate_inside_the_marked_table(tmp_path):
    md = tmp_path / "benchmarks.md"
    md.write_text("# Figures\n\nprose stays\n", encoding="utf-8")
    write_markdown(md, {"n_docs": 5, "extract_vs_spacy_ratio": 0.8}, label="run-1")
    write_markdown(md, {"n_docs": 7, "extract_vs_spacy_ratio": 0.9, "link_s": 0.5, "link_n_events": 900}, label="run-2")
    text = md.read_text("utf-8")
    assert text.startswith("# Figures\n\nprose stays\n")
    table = text.split(TABLE_START)[1].split(TABLE_END)[0]
    rows = [line for line in table.splitlines() if line.startswith("| run-")]
    assert rows[0].startswith("| run-1 | 5 |") and rows[1].startswith("| run-2 | 7 |") and "0.5 (900)" in rows[1]
    assert text.count(TABLE_START) == 1


def test_link_time_is_measured():
    assert 0 < link_seconds(300) < 60


def test_cold_start_and_memory_check_run_the_real_command(tmp_path):
    """Both spawn ``dateline extract`` and read the child's own peak RSS (VmHWM), not this
    process's (Linux carries a parent's ru_maxrss across fork and exec)."""
    from dateline.bench import cold_start_s, memory_check

    assert 0 < cold_start_s(tmp_path) < 120
    result = memory_check(6, tmp_path)
    assert result["memory_exit_code"] == 0 and result["memory_n_docs"] == 6
    assert 100 < result["memory_peak_rss_mb"] < 4096
    assert (tmp_path / "memory.db").exists()

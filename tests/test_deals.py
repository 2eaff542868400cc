"""The deals ledger: its checks, the shipped rows against their announcements, the money graph's
cycles on a hand-drawn example, and the command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gigaplan import deals
from gigaplan.datafiles import read_table
from gigaplan.deals import COLUMNS

from .helpers import assert_bad_input, invoke


def _row(**kw) -> dict:
    base = {c: "" for c in COLUMNS}
    base.update(id="x", date="2025-01-01", from_party="A", to_party="B", kind="equity",
                amount_usd="1e9", status="announced", source="press release",
                source_url="https://example.com/a", source_date="2025-01-02")
    base.update(kw)
    return base


def _table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(COLUMNS))


# ---------------------------------------------------------------------------- checks

def test_a_good_row_passes_and_amounts_parse_like_scenarios():
    t = deals.parse(_table(_row(id="a", amount_usd="$300B"), _row(id="b", amount_usd="")))
    assert t["amount_usd"].iloc[0] == 300e9 and np.isnan(t["amount_usd"].iloc[1])
    assert t["date"].iloc[0] == pd.Timestamp("2025-01-01")


@pytest.mark.parametrize("bad, message", [
    ({"kind": "loan"}, "kind 'loan': expected one of equity"),
    ({"amount_usd": "-5e9"}, "amount_usd '-5e9': expected a positive amount"),
    ({"amount_usd": "lots"}, "amount_usd 'lots'"),
    ({"date": "2025-03-01", "source_date": "2025-02-01"}, "is after its source's date"),
    ({"date": "March 2025"}, "date 'March 2025': expected YYYY-MM-DD"),
    ({"date": "2025-03", "source_date": "2025-02"}, "is after its source's date"),
    ({"to_party": "A"}, "from_party and to_party are the same"),
    ({"source_url": ""}, "source_url is empty"),
    ({"status": "rumoured"}, "status 'rumoured'"),
    ({"capacity_gw": "-1"}, "capacity_gw '-1'"),
])
def test_each_bad_row_is_named(bad, message):
    problems = deals.check(_table(_row(id="ok"), _row(id="bad-one", **bad)))
    assert any("line 3 (bad-one)" in p and message in p for p in problems), problems
    with pytest.raises(deals.DealsError, match="bad-one"):
        deals.parse(_table(_row(id="bad-one", **bad)))


def test_dates_compare_at_the_coarser_precision():
    # a deal of 2025-08-14 reported in a source dated only 2025-08 is not after it
    assert deals.check(_table(_row(date="2025-08-14", source_date="2025-08"))) == []
    assert deals.check(_table(_row(date="2024", source_date="2024"))) == []


def test_a_repeated_id_and_a_missing_column_are_problems():
    assert any("id is used twice" in p for p in deals.check(_table(_row(), _row())))
    assert deals.check(pd.DataFrame({"id": ["a"]}))[0].startswith("deals.csv: missing columns")


# ---------------------------------------------------------------------------- the graph

def _hand_drawn() -> pd.DataFrame:
    # NV -> OA (equity 100), OA -> OR (compute 300), OR -> NV (chips 40), OA -> MS (compute
    # 250), MS -> OA (equity 13), MS -> NV (chips 50), SB -> OA (equity 40): by hand, three
    # cycles: NV-OA-OR, OA-MS, NV-OA-MS; SoftBank is on none.
    edges = [("NV", "OA", 100, "equity"), ("OA", "OR", 300, "compute"),
             ("OR", "NV", 40, "chips"), ("OA", "MS", 250, "compute"), ("MS", "OA", 13, "equity"),
             ("MS", "NV", 50, "chips"), ("SB", "OA", 40, "equity")]
    return deals.parse(_table(*[_row(id=f"d{i}", from_party=a, to_party=b, kind=kind,
                                     amount_usd=str(x * 1e9))
                                for i, (a, b, x, kind) in enumerate(edges)]))


def test_the_cycle_finder_finds_exactly_the_hand_drawn_cycles():
    g = deals.flow_graph(_hand_drawn())
    found = {tuple(c["companies"]) for c in deals.cycles(g)}
    assert found == {("NV", "OA", "OR"), ("MS", "OA"), ("MS", "NV", "OA")}
    smallest = {tuple(c["companies"]): c["smallest_usd"] for c in deals.cycles(g)}
    assert smallest[("NV", "OA", "OR")] == 40e9 and smallest[("MS", "OA")] == 13e9
    assert [len(c["companies"]) for c in deals.cycles(g, max_length=2)] == [2]


def test_circular_shares_by_hand():
    shares = deals.circular_shares(deals.flow_graph(_hand_drawn())).set_index("company")
    # OA's inflow: NV 100 + MS 13 + SB 40 = 153; NV and MS are reachable from OA, SB is not
    assert shares.loc["OA", "inflow_usd"] == pytest.approx(153e9)
    assert shares.loc["OA", "circular_share"] == pytest.approx(113 / 153)
    assert shares.loc["NV", "circular_share"] == pytest.approx(1.0)   # OR 40 + MS 50, both reachable
    assert np.isnan(shares.loc["SB", "circular_share"])              # no inflow


def test_parallel_deals_add_up_on_one_edge():
    t = deals.parse(_table(_row(id="a", amount_usd="1e9"), _row(id="b", kind="compute",
                                                                 amount_usd="2e9")))
    e = deals.flow_graph(t).edges["A", "B"]
    assert e["amount_usd"] == 3e9 and e["deals"] == ["a", "b"] and e["kinds"] == ["equity",
                                                                                  "compute"]


def test_select_by_party_kind_and_date():
    t = _hand_drawn()
    assert set(deals.select(t, party="oa")["id"]) == {"d0", "d1", "d3", "d4", "d6"}
    assert set(deals.select(t, party="OA", kind="equity")["id"]) == {"d0", "d4", "d6"}
    assert len(deals.select(t, since="2026-01")) == 0
    with pytest.raises(deals.GigaplanError, match="closest"):
        deals.select(t, party="Nvidiaa")


def test_the_network_page_renders_offline(tmp_path):
    from gigaplan.report import deals_page

    from .helpers import render_offline

    path = deals_page.write(_hand_drawn(), tmp_path)
    page = path.read_text()
    assert page.count("<tr>") == 1 + 3 + 1 + 4 + 1 + 7  # headers, 3 cycles, 4 companies, 7 deals
    sizes = render_offline(path, plots=1)
    (_, width, height, marks), = sizes
    assert width > 600 and height > 500 and marks >= 4  # equity, compute, chips, companies


# ---------------------------------------------------------------------------- the shipped ledger

#: Deals the articles this project starts from name, with their announced amounts [USD].
SEED_DEALS = {
    ("OpenAI", "Oracle", "compute"): 300e9,
    ("NVIDIA", "OpenAI", "equity"): 100e9,
    ("OpenAI", "Amazon", "compute"): 38e9,
    ("Anthropic", "Microsoft", "compute"): 30e9,
    ("NVIDIA", "Anthropic", "equity"): 10e9,
    ("Microsoft", "Anthropic", "equity"): 5e9,
}


def test_every_shipped_row_is_sourced_and_checked():
    t = deals.ledger()
    assert len(t) >= 40
    assert t["source_url"].str.startswith(("https://", "http://")).all()
    assert t["source"].str.len().min() > 5 and t["source_date"].notna().all()
    # no deal dated after its source (compared at the source's precision: 2025-08 covers the month)
    assert deals.check(read_table("deals.csv")) == []
    assert t["id"].is_unique


#: The seed deals by id: (payer, payee, kind, amount USD, GW, accelerators, term years), NaN
#: where the announcement gives none.
SEED_ROWS = {
    "stargate-jv-2025": ("SoftBank", "Stargate", "equity", 500e9, 10, None, 4),
    "openai-oracle-compute-2025": ("OpenAI", "Oracle", "compute", 300e9, 4.5, None, 5),
    "nvidia-openai-equity-2025": ("NVIDIA", "OpenAI", "equity", 100e9, 10, None, None),
    "amd-openai-chips-2025": ("OpenAI", "AMD", "chips", None, 6, None, None),
    "openai-broadcom-chips-2025": ("OpenAI", "Broadcom", "chips", None, 10, None, None),
    "openai-aws-compute-2025": ("OpenAI", "Amazon", "compute", 38e9, None, None, 7),
    "anthropic-fluidstack-datacenters-2025": ("Anthropic", "Fluidstack", "compute", 50e9, None,
                                              None, None),
    "anthropic-azure-compute-2025": ("Anthropic", "Microsoft", "compute", 30e9, 1, None, None),
    "anthropic-google-tpu-2025": ("Anthropic", "Google", "compute", None, 1, 1e6, None),
    "nvidia-anthropic-equity-2025": ("NVIDIA", "Anthropic", "equity", 10e9, None, None, None),
    "microsoft-anthropic-equity-2025": ("Microsoft", "Anthropic", "equity", 5e9, None, None, None),
}


def test_each_seed_deal_has_its_announced_figures():
    t = deals.ledger().set_index("id")
    cols = ["from_party", "to_party", "kind", "amount_usd", "capacity_gw", "accelerators",
            "term_years"]
    for deal_id, want in SEED_ROWS.items():
        got = t.loc[deal_id, cols].tolist()
        for col, g, w in zip(cols, got, want, strict=True):
            if w is None:
                assert g != g, (deal_id, col, g)  # not announced: NaN, never a guess
            else:
                assert g == w, (deal_id, col, g, w)


def test_the_seed_deals_are_there_with_their_announced_amounts():
    t = deals.ledger()
    for (payer, payee, kind), amount in SEED_DEALS.items():
        rows = t[(t["from_party"] == payer) & (t["to_party"] == payee) & (t["kind"] == kind)]
        assert (rows["amount_usd"] == amount).any(), (payer, payee, kind, list(rows["amount_usd"]))
    gw = t.set_index("id")["capacity_gw"]
    assert {10.0, 6.0} <= set(gw.dropna())  # NVIDIA-OpenAI and Broadcom-OpenAI 10 GW, AMD 6 GW


def test_the_deals_commands(tmp_path):
    listed = invoke("deals", "--party", "anthropic", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert rows and all("Anthropic" in (r["from_party"], r["to_party"]) for r in rows)
    assert all(r["source_url"].startswith("https://") for r in rows)
    cyc = invoke("deals", "cycles", "--json")
    assert cyc.exit_code == 0 and json.loads(cyc.stdout)["cycles"]
    graph = invoke("deals", "graph", "-o", str(tmp_path))
    assert graph.exit_code == 0 and (tmp_path / "deals.html").stat().st_size > 1_000_000
    assert_bad_input(invoke("deals", "--kind", "loan"), "unknown kind")
    assert_bad_input(invoke("deals", "--party", "Anthropik"), "Anthropic")

"""statistics (spec §6, case 76)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest

from mlflow2prov_jupyter.core.errors import OptionError
from mlflow2prov_jupyter.core.provdoc import ProvDoc, QName
from mlflow2prov_jupyter.ops import statistics, statistics_frame, statistics_rows

SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def case_1_document() -> ProvDoc:
    """Case 1 with include_refs=false: root commit C0 adds README.md, author = committer = Ann."""
    c, f, rev, ann = (
        f"git:commit/{SHA}",
        f"git:file/{SHA}/README.md",
        f"git:revision/{SHA}/README.md",
        "user:git/ann%40x.org",
    )
    d = ProvDoc()
    d.activity(
        c,
        WHEN,
        WHEN,
        {
            "prov:type": QName("m2p:Commit"),
            "prov:label": f"{SHA[:7]} Add readme",
            "m2p:sha": SHA,
            "m2p:title": "Add readme",
            "m2p:message": "Add readme\n",
            "m2p:authored_at": WHEN,
            "m2p:committed_at": WHEN,
        },
    )
    d.entity(
        f,
        {"prov:type": QName("m2p:File"), "prov:label": "README.md", "m2p:path": "README.md", "m2p:origin_commit": SHA},
    )
    d.entity(
        rev,
        {
            "prov:type": QName("m2p:FileRevision"),
            "prov:label": "README.md@3f78685",
            "m2p:path": "README.md",
            "m2p:name": "README.md",
            "m2p:status": "added",
            "m2p:commit": SHA,
            "m2p:blob": "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
        },
    )
    d.agent(
        ann,
        {
            "prov:type": (QName("m2p:GitUser"), QName("prov:Person")),
            "prov:label": "Ann",
            "m2p:name": "Ann",
            "m2p:email": "ann@x.org",
        },
    )
    d.add_relation("wasAssociatedWith", c, ann, role=("CommitAuthor", "Committer"))  # 2
    d.add_relation("wasGeneratedBy", f, c, time=WHEN, role="AddedFile")  # 3
    d.add_relation("wasAttributedTo", f, ann)  # 4
    d.add_relation("specializationOf", rev, f)  # 5
    d.add_relation("wasGeneratedBy", rev, c, time=WHEN, role="AddedRevision")  # 6
    d.add_relation("wasAttributedTo", rev, ann)  # 7
    return d


COARSE = [
    ("elements", "Entity", 2),
    ("elements", "Activity", 1),
    ("elements", "Agent", 1),
    ("relations", "total", 6),
]
FINE = COARSE + [
    ("relations", "Association", 1),
    ("relations", "Attribution", 2),
    ("relations", "Generation", 2),
    ("relations", "Specialization", 1),
    ("types", "m2p:Commit", 1),
    ("types", "m2p:File", 1),
    ("types", "m2p:FileRevision", 1),
    ("types", "m2p:GitUser", 1),
    ("types", "prov:Person", 1),
]


def test_case_76_statistics_of_case_1() -> None:
    doc = case_1_document()
    assert statistics(doc, format="rows") == COARSE
    assert statistics(doc, "fine", format="rows") == FINE
    assert statistics_rows(doc, "fine") == FINE

    for resolution, rows in (("coarse", COARSE), ("fine", FINE)):
        text = statistics(doc, resolution, format="csv")
        parsed = list(csv.reader(io.StringIO(text)))
        assert parsed[0] == ["section", "name", "count"]
        assert [(s, n, int(c)) for s, n, c in parsed[1:]] == rows

        data = json.loads(statistics(doc, resolution, format="json"))
        assert list(data) == ["elements", "relations", "types"]
        flat = [(s, n, c) for s in data for n, c in data[s].items()]
        assert sorted(flat) == sorted(rows)
        for section in data.values():
            assert list(section) == sorted(section)

    # no options → the coarse table
    table = statistics(doc)
    assert table == statistics(doc, "coarse", "table")
    lines = table.splitlines()
    assert lines[0].split() == ["Section", "Name", "Count"]
    assert [tuple(line.split()) for line in lines[1:]] == [(s, n, str(c)) for s, n, c in COARSE]
    widths = {len(line) for line in lines}
    assert len(widths) == 1  # counts right-aligned in one column
    fine_lines = statistics(doc, "fine").splitlines()
    assert [tuple(line.split()) for line in fine_lines[1:]] == [(s, n, str(c)) for s, n, c in FINE]


def test_multi_typed_element_counts_once_per_type_and_empty_document() -> None:
    d = ProvDoc()
    d.entity("mlflow:run/r", {"prov:type": (QName("m2p:Run"), QName("prov:Collection"))})
    d.entity("mlflow:run/s", {"prov:type": (QName("m2p:Run"), QName("prov:Collection"))})
    rows = statistics(d, "fine", "rows")
    assert ("types", "m2p:Run", 2) in rows and ("types", "prov:Collection", 2) in rows
    assert ("elements", "Entity", 2) in rows
    assert statistics(ProvDoc(), format="rows") == [
        ("elements", "Entity", 0),
        ("elements", "Activity", 0),
        ("elements", "Agent", 0),
        ("relations", "total", 0),
    ]
    assert json.loads(statistics(ProvDoc(), format="json")) == {
        "elements": {"Activity": 0, "Agent": 0, "Entity": 0},
        "relations": {"total": 0},
        "types": {},
    }


def test_statistics_frame() -> None:
    pd = pytest.importorskip("pandas")
    frame = statistics_frame(case_1_document(), "fine")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["section", "name", "count"]
    assert [tuple(r) for r in frame.itertuples(index=False)] == FINE


def test_bad_options() -> None:
    with pytest.raises(OptionError) as err:
        statistics(case_1_document(), "medium")
    assert "\n" not in str(err.value)
    with pytest.raises(OptionError):
        statistics(case_1_document(), format="xml")

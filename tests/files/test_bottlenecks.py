"""`bottlenecks.csv` names what it ranks (issue 18.4): a `name` column added last, read
back when present; files from before it read as before."""

from __future__ import annotations

from pathlib import Path

from sim.files.bottlenecks import read
from sim.files.cells import excel

OLD = "rank,kind,id,lost_output_days,ci95_lo,ci95_hi\n1,station,north_gate,0.8,0.5,1.1\n"
NEW = (
    "rank,kind,id,lost_output_days,ci95_lo,ci95_hi,name\n"
    '1,station,north_gate,0.8,0.5,1.1,"North gate, 北门"\n'
    "2,park_firm,elec0004,0.1,,,\n"
)


def test_names_are_read_and_shown_and_ids_kept(tmp_path: Path) -> None:
    path = tmp_path / "bottlenecks.csv"
    path.write_text(excel(NEW, True), encoding="utf-8")
    north, firm = read(path)
    assert (north.id, north.name, north.label) == (
        "north_gate",
        "North gate, 北门",
        "station: North gate, 北门",
    )
    assert (firm.id, firm.name, firm.label) == ("elec0004", "", "park_firm: elec0004")


def test_a_file_from_before_names_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "bottlenecks.csv"
    path.write_text(OLD, encoding="utf-8")
    (north,) = read(path)
    assert (north.id, north.name, north.label) == ("north_gate", "", "station: north_gate")

"""docs/dlms.md "Object list" names every object the meter serves, with its
class and version, and nothing it does not serve (issue 13 acceptance)."""
import os
import re

import heap_session
import meter_ramfs
from dlms import obis

OBIS = re.compile(r"^\d+(\.\d+){5}$")
DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "dlms.md")


def documented():
    """{logical name text: "class vN"} from the object list table (the rows
    whose first cell holds OBIS codes)."""
    text = open(DOC, encoding="utf-8").read()
    table = text[text.index("## Object list"):]
    table = table[:table.index("\n## ")]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        lns = [c.strip() for c in cells[0].split(",")]
        if line.startswith("| ") and len(cells) > 2 and all(OBIS.match(ln) for ln in lns):
            for ln in lns:
                rows[ln] = cells[1]
    return rows


def test_every_object_served_is_documented_with_its_class_and_version():
    app = heap_session.build_app(meter_ramfs.RamFs())  # the meter as a board builds it
    served = {obis.to_text(o.ln): "%d v%d" % (o.class_id, o.version)
              for o in app.server.model.objects}
    assert documented() == served

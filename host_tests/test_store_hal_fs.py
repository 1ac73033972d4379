# CPython: the store over hal.fs.FileSystem on a host directory, as the
# virtual meter (boards/host) uses it.
from hal.fs import FileSystem
from store.eventlog import EventLog
from store.state import StateStore


def test_state_and_events_on_a_host_directory(tmp_path):
    fs = FileSystem(str(tmp_path))
    st = StateStore(fs, "/meter/state")
    assert st.load() is None
    st.commit({"credit": [5, 0], "tids": [1, 2]})
    st.commit({"credit": [7, 0], "tids": [1, 2, 3]})
    assert StateStore(FileSystem(str(tmp_path)), "/meter/state").load() == {"credit": [7, 0], "tids": [1, 2, 3]}
    assert sorted(p.name for p in (tmp_path / "meter" / "state").iterdir()) == ["a", "b"]
    log = EventLog(fs, "/meter/events", 4, per_segment=2)
    for i in range(7):
        log.append(i, 3, i, -i)
    log = EventLog(FileSystem(str(tmp_path)), "/meter/events", 4, per_segment=2)
    assert [e[0] for e in log.entries()] == [4, 5, 6, 7]
    assert fs.free_bytes() > 0

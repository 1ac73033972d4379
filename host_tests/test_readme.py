"""README's (and the docs') examples work as written, in order (issue 16 item 4).

Every code block that README.md or a docs/*.md page marks with
`<!-- docs-test: run -->` on the line before it runs, in the order of the
file, one bash session per file (so `T=$(...)` carries over), against the
virtual meter (tools/sim.py, a process of its own on CPython, a fresh data
folder, no load so the credit stays put; started only for a file whose
commands talk to a meter). A `# -> TEXT`
line says what the command above it prints: the test checks that its output
contains TEXT; every command must exit 0. The commands run as a user would on
a fresh clone: from a folder that links to the checkout's files (so what they
write, e.g. report.html, lands there, not in the checkout), with
`.venv/bin/python`. Two things differ from a user's terminal, both said here:
the meter's port `127.0.0.1:4059` is replaced by a free one (other tests run
at the same time), and the meter is started by the test instead of `make sim`.
"""
import os
import re
import subprocess

import pytest

from test_sim_e2e import Sim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = "<!-- docs-test: run -->"
README_PORT = "127.0.0.1:4059"


def marked_blocks(text):
    """The marked code blocks of a Markdown text, each as a list of lines."""
    lines = text.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        assert lines[i + 1].startswith("```"), "%s must stand right above a code block" % MARK
        end = lines.index("```", i + 2)
        blocks.append(lines[i + 2:end])
    return blocks


def commands(block):
    """[(command, [expected texts])] of a block: continuation lines joined,
    `# -> TEXT` lines attached to the command above them, other comments and
    blank lines dropped (bash ignores a comment at the end of a command)."""
    out = []
    for line in "\n".join(block).replace("\\\n", " ").splitlines():
        s = line.strip()
        if s.startswith("# ->"):
            assert out, "a `# ->` line needs a command above it"
            out[-1][1].append(s[4:].strip())
        elif s and not s.startswith("#"):
            out.append((s, []))
    return out


def test_parsing_of_marked_blocks():
    text = "\n".join(["x", MARK, "```", "a --x \\", "  --y  # c", "# -> 1", "# note", "",
                      "b", "# -> 2", "# -> 3", "```", "```", "c", "```"])
    assert commands(marked_blocks(text)[0]) == [("a --x    --y  # c", ["1"]), ("b", ["2", "3"])]
    assert len(marked_blocks(text)) == 1  # an unmarked block is not run


def fresh_clone(tmp_path):
    """A folder that looks like a clone with its venv: links to the checkout's
    files, none of its outputs (build/, sim-data/, reports)."""
    work = tmp_path / "clone"
    work.mkdir()
    for name in os.listdir(ROOT):
        if name not in (".git", "build", "sim-data") and not name.startswith("report"):
            os.symlink(os.path.join(ROOT, name), str(work / name))
    return work


DOCS = ["README.md"] + sorted(os.path.join("docs", f)
                              for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))


def test_readme_is_tested():
    with open(os.path.join(ROOT, "README.md")) as f:
        cmds = [c for block in marked_blocks(f.read()) for c in commands(block)]
    # the quick start (vend, send, read), the token tools, a remote token, the runner
    assert len(cmds) >= 8 and sum(len(want) for _, want in cmds) >= 6, cmds
    assert sum("--port" in c for c, _ in cmds) >= 4


@pytest.mark.parametrize("doc", [d for d in DOCS if MARK in open(os.path.join(ROOT, d)).read()])
def test_examples_work_as_written(doc, tmp_path):
    with open(os.path.join(ROOT, doc)) as f:
        cmds = [c for block in marked_blocks(f.read()) for c in commands(block)]
    assert all(README_PORT in c for c, _ in cmds if "--port" in c)
    work = fresh_clone(tmp_path)
    sim = Sim(tmp_path / "sim-data", extra=["--load", "0"]) if any(
        "--port" in c for c, _ in cmds) else None
    try:
        port = "127.0.0.1:%d" % sim.port if sim else README_PORT
        script = "".join("%s\necho \"@@rc $?\"\n" % c.replace(README_PORT, port) for c, _ in cmds)
        p = subprocess.run(["bash", "-c", script], cwd=str(work), capture_output=True, text=True,
                           timeout=300)
    finally:
        if sim:
            sim.quit()
    parts = re.split(r"^@@rc (\d+)$\n?", p.stdout, flags=re.M)
    outputs, codes = parts[0:-1:2], [int(c) for c in parts[1::2]]
    assert len(codes) == len(cmds), (p.stdout, p.stderr)
    for (cmd, want), out, rc in zip(cmds, outputs, codes):
        assert rc == 0, (cmd, out, p.stderr)
        for text in want:
            assert text in out, (cmd, text, out)
    assert "Traceback" not in p.stderr, p.stderr
    if doc == "README.md":  # the runner's reports, written where the user is
        assert (work / "report.html").exists() and (work / "report.json").exists()

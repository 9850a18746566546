"""The user's notes store: CRUD, isolation per case, exact text, refusal of bad files, faults.

No Qt. Durability is checked by SIGKILLing a child process that writes notes and reopening the
file: every note the child acknowledged (after COMMIT returned) must be there.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from storage.notes import schema as notes_schema
from storage.notes.store import Bookmark, Note, NotesError, NotesStore

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parent.parent
CASE_A = "a" * 64
CASE_B = "0123456789abcdef" * 4

HOSTILE = [
    '<img src="/dev/zero">',
    "<img src=/dev/zero>",
    "<b>bold</b><table><tr><td>" * 20,
    "abc\u202edcba.exe",
    "zero\u200bwidth\u200c\u200d\ufeffjoin",
    "\u2066isolate\u2069 \u202aembed\u202c",
    "nul\x00inside\x00",
    "  leading and trailing spaces, tabs\t and newlines\r\n\n",
    "emoji 👩‍👩‍👧 and combining e\u0301 vs \u00e9",
    "'; DROP TABLE note; --",
    "x" * 100_000,
    "",
]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "notes.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[NotesStore]:
    with NotesStore(db_path) as s:
        yield s


def _sidecars(path: Path) -> list[Path]:
    return [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


# ------------------------------------------------------------------------------ basics / CRUD


def test_default_path_is_in_user_data_dir(_user_dirs: Path) -> None:
    with NotesStore() as s:
        assert s.path == _user_dirs / "data" / "notes.sqlite3"
        s.add_note(CASE_A, "case", 0, "hello")
    assert (_user_dirs / "data" / "notes.sqlite3").is_file()


def test_new_file_is_wal_versioned_and_marked(db_path: Path) -> None:
    NotesStore(db_path).close()
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == notes_schema.SCHEMA_VERSION
        assert con.execute("PRAGMA application_id").fetchone()[0] == notes_schema.APPLICATION_ID
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type='index'")}
        assert "ix_note_ref" in indexes
    finally:
        con.close()


def test_note_crud(store: NotesStore) -> None:
    whole = store.add_note(CASE_A, "case", 0, "whole case")
    n1 = store.add_note(CASE_A, "actor", 7, "first")
    n2 = store.add_note(CASE_A, "actor", 7, "second")
    n3 = store.add_note(CASE_A, "event", 7, "an event")
    assert isinstance(n1, Note)
    assert (n1.case_sha256, n1.ref_kind, n1.ref_id, n1.text) == (CASE_A, "actor", 7, "first")
    assert n1.created_us == n1.modified_us > 0
    assert len({whole.id, n1.id, n2.id, n3.id}) == 4

    assert store.notes(CASE_A) == [whole, n1, n2, n3]
    assert store.notes(CASE_A, "actor") == [n1, n2]
    assert store.notes(CASE_A, "actor", 7) == [n1, n2]
    assert store.notes(CASE_A, "actor", 8) == []
    assert store.notes(CASE_A, "case", 0) == [whole]

    edited = store.update_note(n1.id, "first, edited")
    assert edited.id == n1.id and edited.text == "first, edited"
    assert edited.created_us == n1.created_us and edited.modified_us >= n1.modified_us
    assert store.notes(CASE_A, "actor", 7) == [edited, n2]

    store.delete_note(n2.id)
    store.delete_note(n2.id)  # already gone: no error
    assert store.notes(CASE_A, "actor", 7) == [edited]
    with pytest.raises(NotesError, match="no longer exists"):
        store.update_note(n2.id, "text the user typed")


def test_note_ids_are_never_reused(store: NotesStore) -> None:
    last = store.add_note(CASE_A, "actor", 1, "x")
    store.delete_note(last.id)
    assert store.add_note(CASE_A, "actor", 1, "y").id > last.id


def test_tags(store: NotesStore) -> None:
    store.add_tag(CASE_A, "actor", 1, "suspect")
    store.add_tag(CASE_A, "actor", 1, "suspect")  # idempotent
    store.add_tag(CASE_A, "actor", 1, "Courier")
    store.add_tag(CASE_A, "actor", 2, "suspect")
    store.add_tag(CASE_A, "place", 3, "suspect")
    assert store.tags(CASE_A, "actor", 1) == ["Courier", "suspect"]
    assert store.tagged(CASE_A, "suspect") == [("actor", 1), ("actor", 2), ("place", 3)]
    assert store.tagged(CASE_A, "Suspect") == []  # exact, not case-folded
    store.remove_tag(CASE_A, "actor", 1, "suspect")
    store.remove_tag(CASE_A, "actor", 1, "suspect")  # absent: no error
    assert store.tags(CASE_A, "actor", 1) == ["Courier"]
    assert store.tagged(CASE_A, "suspect") == [("actor", 2), ("place", 3)]
    with pytest.raises(NotesError, match="blank"):
        store.add_tag(CASE_A, "actor", 1, "  ")


def test_bookmarks(store: NotesStore) -> None:
    late = store.add_bookmark(CASE_A, "late", 5_000, 9_000)
    early = store.add_bookmark(
        CASE_A, "handover", 1_000, 2_000, [("event", 5), ("actor", 2), ("event", 5)]
    )
    assert isinstance(early, Bookmark)
    assert early.refs == (("event", 5), ("actor", 2))
    assert late.refs == ()
    assert store.bookmarks(CASE_A) == [early, late]
    store.delete_bookmark(early.id)
    store.delete_bookmark(early.id)
    assert store.bookmarks(CASE_A) == [late]
    with pytest.raises(ValueError, match="before it starts"):
        store.add_bookmark(CASE_A, "backwards", 10, 9)


def test_bookmark_refs_go_with_bookmark(store: NotesStore, db_path: Path) -> None:
    b = store.add_bookmark(CASE_A, "b", 0, 1, [("actor", 1)])
    store.delete_bookmark(b.id)
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT count(*) FROM bookmark_ref").fetchone()[0] == 0
    finally:
        con.close()


def test_cases_do_not_see_each_other(store: NotesStore) -> None:
    store.add_note(CASE_A, "actor", 1, "a's note")
    store.add_tag(CASE_A, "actor", 1, "t")
    store.add_bookmark(CASE_A, "a's window", 0, 10)
    assert store.notes(CASE_B) == []
    assert store.notes(CASE_B, "actor", 1) == []
    assert store.tags(CASE_B, "actor", 1) == []
    assert store.tagged(CASE_B, "t") == []
    assert store.bookmarks(CASE_B) == []
    assert store.case_summary(CASE_B) == {"notes": 0, "tags": 0, "distinct_tags": 0, "bookmarks": 0}


def test_case_summary(store: NotesStore) -> None:
    store.add_note(CASE_A, "case", 0, "n1")
    store.add_note(CASE_A, "actor", 1, "n2")
    store.add_tag(CASE_A, "actor", 1, "t1")
    store.add_tag(CASE_A, "actor", 2, "t1")
    store.add_tag(CASE_A, "actor", 2, "t2")
    store.add_bookmark(CASE_A, "b", 0, 1)
    store.add_note(CASE_B, "case", 0, "other case")
    assert store.case_summary(CASE_A) == {"notes": 2, "tags": 3, "distinct_tags": 2, "bookmarks": 1}


def test_persists_across_reopen(db_path: Path) -> None:
    with NotesStore(db_path) as s:
        note = s.add_note(CASE_A, "shipment", 3, "parcel")
        s.add_tag(CASE_A, "shipment", 3, "seized")
        mark = s.add_bookmark(CASE_A, "night", 10, 20, [("shipment", 3)])
    with NotesStore(db_path) as s:
        assert s.notes(CASE_A) == [note]
        assert s.tags(CASE_A, "shipment", 3) == ["seized"]
        assert s.bookmarks(CASE_A) == [mark]


def test_closed_store_raises(db_path: Path) -> None:
    s = NotesStore(db_path)
    s.close()
    s.close()
    with pytest.raises(NotesError, match="closed"):
        s.notes(CASE_A)


def test_numpy_style_integers_accepted(store: NotesStore) -> None:
    np = pytest.importorskip("numpy")
    note = store.add_note(CASE_A, "event", np.int64(12), "from a DataFrame")
    assert note.ref_id == 12 and type(note.ref_id) is int
    assert store.notes(CASE_A, "event", np.int64(12)) == [note]


# ------------------------------------------------------------------------------ exact text


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_text_round_trips_exactly(db_path: Path, text: str) -> None:
    with NotesStore(db_path) as s:
        note = s.add_note(CASE_A, "identifier", 1, text)
        s.add_bookmark(CASE_A, text, 0, 0)
        if text.strip():
            s.add_tag(CASE_A, "identifier", 1, text)
    with NotesStore(db_path) as s:
        (back,) = s.notes(CASE_A)
        assert back == note and back.text == text
        assert s.bookmarks(CASE_A)[0].name == text
        if text.strip():
            assert s.tags(CASE_A, "identifier", 1) == [text]
            assert s.tagged(CASE_A, text) == [("identifier", 1)]
        assert s.update_note(note.id, text + text).text == text + text
        assert s.notes(CASE_A)[0].text == text + text


def test_unencodable_text_is_refused_not_mangled(store: NotesStore) -> None:
    with pytest.raises(NotesError, match="surrogate"):
        store.add_note(CASE_A, "case", 0, "half a pair \ud800")
    assert store.notes(CASE_A) == []


# ------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "sha",
    ["A" * 64, "a" * 63, "a" * 65, "g" * 64, " " + "a" * 63, "a" * 64 + "\n", "", b"a" * 64, None],
)
def test_bad_case_sha_rejected(store: NotesStore, sha: object) -> None:
    with pytest.raises(ValueError, match="case_sha256"):
        store.add_note(sha, "case", 0, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="case_sha256"):
        store.notes(sha)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="case_sha256"):
        store.add_tag(sha, "actor", 1, "t")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="case_sha256"):
        store.add_bookmark(sha, "b", 0, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["Actor", "person", "", "case ", None])
def test_bad_ref_kind_rejected(store: NotesStore, kind: object) -> None:
    with pytest.raises(ValueError, match="ref_kind"):
        store.add_note(CASE_A, kind, 1, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ref_kind"):
        store.add_tag(CASE_A, kind, 1, "t")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ref_kind"):
        store.add_bookmark(CASE_A, "b", 0, 1, [(kind, 1)])  # type: ignore[list-item]
    if kind is not None:
        with pytest.raises(ValueError, match="ref_kind"):
            store.notes(CASE_A, kind)  # type: ignore[arg-type]
    assert store.notes(CASE_A) == [] and store.bookmarks(CASE_A) == []


def test_bad_ref_ids_rejected(store: NotesStore) -> None:
    with pytest.raises(ValueError, match="ref_id 0"):
        store.add_note(CASE_A, "case", 3, "x")
    with pytest.raises(TypeError):
        store.add_note(CASE_A, "actor", 1.0, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.add_note(CASE_A, "actor", True, "x")
    with pytest.raises(ValueError, match="64 bits"):
        store.add_note(CASE_A, "actor", 2**63, "x")
    with pytest.raises(ValueError, match="without ref_kind"):
        store.notes(CASE_A, None, 1)


# ------------------------------------------------------------------------------ refused files


def test_newer_version_refused_and_untouched(db_path: Path) -> None:
    with NotesStore(db_path) as s:
        s.add_note(CASE_A, "case", 0, "from the future")
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA user_version = 7")
    con.close()  # last connection: checkpoints the WAL into the main file
    before = db_path.read_bytes()
    with pytest.raises(NotesError, match="newer") as info:
        NotesStore(db_path)
    assert str(db_path) in str(info.value) and "\n" not in str(info.value)
    assert db_path.read_bytes() == before
    assert _sidecars(db_path) == []


def test_newer_version_still_in_wal_refused(db_path: Path) -> None:
    """The main file's header says v1 but the WAL holds v7: SQLite's answer must win."""
    NotesStore(db_path).close()
    holder = sqlite3.connect(db_path)  # stays open so nothing is checkpointed
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("PRAGMA user_version = 7")
        assert notes_schema.read_header(db_path).user_version == notes_schema.SCHEMA_VERSION  # type: ignore[union-attr]
        before = db_path.read_bytes()
        with pytest.raises(NotesError, match="newer"):
            NotesStore(db_path)
        assert db_path.read_bytes() == before
        assert holder.execute("PRAGMA user_version").fetchone()[0] == 7
    finally:
        holder.close()


def test_newer_version_left_in_wal_by_a_crash_untouched(tmp_path: Path) -> None:
    """A newer Filature crashed with its last commits in the WAL: refusing must not checkpoint."""
    live = tmp_path / "live" / "notes.sqlite3"
    NotesStore(live).close()
    holder = sqlite3.connect(live)
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("PRAGMA user_version = 7")
        left = tmp_path / "left"
        left.mkdir()
        shutil.copyfile(live, left / "notes.sqlite3")  # what a SIGKILL leaves: db + wal, no shm
        shutil.copyfile(f"{live}-wal", left / "notes.sqlite3-wal")
    finally:
        holder.close()
    path = left / "notes.sqlite3"
    before = {p.name: p.read_bytes() for p in left.iterdir()}
    with pytest.raises(NotesError, match="newer"):
        NotesStore(path)
    after = {p.name: p.read_bytes() for p in left.iterdir()}
    # SQLite may add its rebuildable -shm index; the database and its WAL are as they were.
    assert {name: after.get(name) for name in before} == before


@pytest.mark.parametrize(
    "content",
    [b"this is not a database\n" * 200, b"SQLite format 3\x00" + b"\xff" * 20, b"\x00" * 4096],
    ids=["text", "truncated-header", "zeros"],
)
def test_not_a_database_refused_and_untouched(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    with pytest.raises(NotesError, match="damaged") as info:
        NotesStore(db_path)
    message = str(info.value)
    assert str(db_path) in message and "move it" in message and "\n" not in message
    assert db_path.read_bytes() == content
    assert _sidecars(db_path) == []


def test_damaged_pages_refused_and_untouched(db_path: Path) -> None:
    with NotesStore(db_path) as s:
        s.add_note(CASE_A, "case", 0, "soon unreadable")
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # the schema page, after a valid header
    db_path.write_bytes(bytes(data))
    with pytest.raises(NotesError, match="damaged") as info:
        NotesStore(db_path)
    assert str(db_path) in str(info.value)
    assert db_path.read_bytes() == bytes(data)


def test_foreign_sqlite_file_refused_and_untouched(db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    con.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)")
    con.commit()
    con.close()
    before = db_path.read_bytes()
    with pytest.raises(NotesError, match="not a Filature notes file"):
        NotesStore(db_path)
    assert db_path.read_bytes() == before


def test_empty_file_becomes_a_notes_file(db_path: Path) -> None:
    db_path.write_bytes(b"")
    with NotesStore(db_path) as s:
        s.add_note(CASE_A, "case", 0, "ok")
        assert len(s.notes(CASE_A)) == 1


def test_unusable_folder_is_a_notes_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(NotesError, match="notes folder"):
        NotesStore(blocker / "sub" / "notes.sqlite3")
    with pytest.raises(NotesError):
        NotesStore(tmp_path)  # a folder where the file should be


# ------------------------------------------------------------------------------ faults


_RO_CHILD = """
import sys
from pathlib import Path
from storage.notes.store import NotesError, NotesStore

try:
    NotesStore(Path(sys.argv[1])).close()
except NotesError as exc:
    print("NotesError:", exc)
else:
    print("opened")
"""


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs unshare -rm (user + mount namespaces)")
@pytest.mark.parametrize("existing", [True, False], ids=["existing-file", "new-file"])
def test_read_only_folder_is_a_notes_error(tmp_path: Path, existing: bool) -> None:
    """A read-only mount (chmod is no test: CI runs as root) gives a one-line NotesError."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "notes.sqlite3"
    if existing:
        with NotesStore(path) as s:
            s.add_note(CASE_A, "case", 0, "written before the folder became read-only")
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    script = (
        f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
        f'exec "$0" -c "$1" "$2"'
    )
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, sys.executable, _RO_CHILD, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("NotesError:"), done.stdout
    assert str(path) in lines[0] and "read-only" in lines[0]
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before


def test_disk_full_keeps_earlier_notes(db_path: Path) -> None:
    with NotesStore(db_path) as s:
        kept = [s.add_note(CASE_A, "actor", i, f"kept {i}") for i in range(5)]
        s._set_max_page_count(1)  # clamped to the current size: no room to grow
        with pytest.raises(NotesError, match="full") as info:
            s.add_note(CASE_A, "actor", 99, "y" * 200_000)
        assert "\n" not in str(info.value)
        with pytest.raises(NotesError, match="full"):
            s.update_note(kept[0].id, "z" * 200_000)
        assert s.notes(CASE_A) == kept  # same connection still reads
        s._set_max_page_count(1_000_000)  # space freed: writing works again
        later = s.add_note(CASE_A, "actor", 100, "after the disk was cleared")
    with NotesStore(db_path) as s:
        assert s.notes(CASE_A) == [*kept, later]


_CHILD = """
import sys
from pathlib import Path
from storage.notes.store import NotesStore

store = NotesStore(Path(sys.argv[1]))
i = 0
while True:
    note = store.add_note(sys.argv[2], "event", i, f"child {sys.argv[3]} note {i}")
    print(note.id, i, flush=True)
    i += 1
"""


@pytest.mark.parametrize("round_no", range(3))
def test_acknowledged_notes_survive_sigkill(tmp_path: Path, round_no: int) -> None:
    path = tmp_path / "notes.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    acknowledged: dict[int, tuple[int, int]] = {}  # id -> (run, i)
    for run in range(round_no + 1):  # later rounds kill repeatedly into the same file
        want = len(acknowledged) + 25 + 37 * run + 11 * round_no
        err = tmp_path / f"child-{run}.err"
        with err.open("wb") as err_fh:
            proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(path), CASE_A, str(run)],
                stdout=subprocess.PIPE,
                stderr=err_fh,
                cwd=REPO,
                env=env,
                text=True,
            )
            try:
                assert proc.stdout is not None
                while len(acknowledged) < want:
                    line = proc.stdout.readline()
                    if not line:
                        proc.wait(timeout=10)
                        pytest.fail(f"child stopped early: {err.read_text()}")
                    note_id, i = map(int, line.split())
                    acknowledged[note_id] = (run, i)
                proc.kill()  # SIGKILL: no cleanup, no atexit, mid-transaction or not
            finally:
                proc.kill()
                proc.wait(timeout=10)
                proc.stdout.close()  # type: ignore[union-attr]
        with NotesStore(path) as s:
            stored = {n.id: n for n in s.notes(CASE_A)}
        for note_id, (r, i) in acknowledged.items():
            assert note_id in stored, f"acknowledged note {note_id} lost"
            assert stored[note_id].text == f"child {r} note {i}"
            assert stored[note_id].ref_id == i


def test_two_stores_on_one_file_both_write(db_path: Path) -> None:
    first, second = NotesStore(db_path), NotesStore(db_path)
    try:
        a = first.add_note(CASE_A, "actor", 1, "from window one")
        b = second.add_note(CASE_A, "actor", 1, "from window two")
        second.add_tag(CASE_A, "actor", 1, "shared")
        assert first.notes(CASE_A) == [a, b]
        assert first.tags(CASE_A, "actor", 1) == ["shared"]
    finally:
        first.close()
        second.close()


def test_concurrent_writers_threads(db_path: Path) -> None:
    """Two stores plus a second thread on one of them, all writing at once."""
    first, second = NotesStore(db_path), NotesStore(db_path)
    per_writer = 40
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def write(store: NotesStore, who: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                store.add_note(CASE_A, "actor", who, f"{who}:{i}")
                store.add_tag(CASE_A, "actor", who, f"t{i % 3}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(first, 1)),
        threading.Thread(target=write, args=(second, 2)),
        threading.Thread(target=write, args=(first, 3)),  # shares ``first`` with thread 1
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        texts = {n.text for n in second.notes(CASE_A)}
        assert texts == {f"{who}:{i}" for who in (1, 2, 3) for i in range(per_writer)}
        assert first.case_summary(CASE_A)["tags"] == 9
    finally:
        first.close()
        second.close()


def test_concurrent_first_open(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    barrier = threading.Barrier(4)
    stores: list[NotesStore] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def open_and_write(i: int) -> None:
        try:
            barrier.wait()
            s = NotesStore(path)
            with lock:
                stores.append(s)
            s.add_note(CASE_A, "case", 0, f"opener {i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        assert len(stores[0].notes(CASE_A)) == 4
    finally:
        for s in stores:
            s.close()


def test_a_version_1_notes_file_is_migrated_keeping_its_notes(tmp_path) -> None:
    """A notes file from before tile packs gains the table; its notes stay."""
    path = tmp_path / "notes.sqlite3"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA application_id = {notes_schema.APPLICATION_ID}")
    notes_schema.MIGRATIONS[0](con)
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO tag (case_sha256, ref_kind, ref_id, tag, created_us) "
                "VALUES (?, 'event', 1, 'kept', 0)", ("a" * 64,))
    con.commit()
    con.close()
    store = NotesStore(path)
    try:
        assert store.tags("a" * 64, "event", 1) == ["kept"]
        store.add_tile_pack("b" * 64, "/maps/paris.mbtiles", "Paris", 10)
        assert store.tile_packs() == [("b" * 64, "/maps/paris.mbtiles", "Paris", 10)]
    finally:
        store.close()
    assert notes_schema.read_header(path).user_version == notes_schema.SCHEMA_VERSION

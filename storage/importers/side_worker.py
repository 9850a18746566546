"""The import's helper process: it binds the attribute and tag rows into a side database.

An import's cost is SQLite binding rows, and a Timesketch event brings ~6 attribute rows, a
profiled spreadsheet row ~12. Binding is Python work (the GIL: a thread measured slower), so
these rows go to this process, on the second core, into a side database with the case's own
table and index definitions; at the end the main process copies them in with SQLite's
transfer (``INSERT INTO … SELECT *``: records and index entries as they are, no binding).

Run as ``python -m storage.importers.side_worker`` by :mod:`storage.importers.side_tables`.
Protocol, pickles both ways (the two ends are the same program): on stdin ``("open", path,
table_ddl)``, then any number of ``("rows", sql, columns)``, then ``("end", index_ddl)``; on
stdout ``("done",)`` once the side database is complete and closed, or ``("error", text)``.
It imports nothing but the standard library, so it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
import traceback


def serve(stdin: object, stdout: object) -> int:
    """Follow the protocol until ``end``; 0 when the side database is complete."""
    con: sqlite3.Connection | None = None
    try:
        while True:
            try:
                message = pickle.load(stdin)  # type: ignore[arg-type]
            except EOFError:
                return 1  # the import stopped (cancelled, refused): nothing to finish
            tag = message[0]
            if tag == "open":
                con = sqlite3.connect(message[1], isolation_level=None)
                con.execute("PRAGMA journal_mode=OFF")
                con.execute("PRAGMA synchronous=OFF")
                con.execute("PRAGMA page_size=8192")
                con.execute("BEGIN")
                for ddl in message[2]:
                    con.execute(ddl)
            elif tag == "rows" and con is not None:
                con.executemany(message[1], zip(*message[2], strict=True))
            elif tag == "end" and con is not None:
                for ddl in message[1]:
                    con.execute(ddl)
                con.execute("COMMIT")
                con.close()
                con = None
                pickle.dump(("done",), stdout, protocol=5)  # type: ignore[arg-type]
                stdout.flush()  # type: ignore[attr-defined]
                return 0
            else:
                raise ValueError(f"unexpected message {tag!r}")
    except Exception:
        pickle.dump(("error", traceback.format_exc()), stdout, protocol=5)  # type: ignore[arg-type]
        stdout.flush()  # type: ignore[attr-defined]
        return 1
    finally:
        if con is not None:
            con.close()


if __name__ == "__main__":
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))

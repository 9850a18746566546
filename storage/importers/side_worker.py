"""The import's helper process: the packed fields, the tags and the text index of a new case.

An import's cost is SQLite work: binding rows and, for the full-text index, tokenizing every
title and message (as long as the rest of a Timesketch import put together). Binding is
Python work (the GIL: a thread measured slower), so this work goes to this process, on the
second core, into a side database with the case's own table definitions and FTS5 index; at
the end the main process copies its own tables in with SQLite's transfer (``INSERT INTO …
SELECT *``: records and index entries as they are), and the side database becomes the case.

Run as ``python -m storage.importers.side_worker`` by :mod:`storage.importers.side_tables`.
Protocol, pickles both ways (the two ends are the same program). On stdin: ``("open", path,
table_ddl, fts_ddl, fts_table)`` (``fts_ddl`` None: no text index), then any number of
``("rows", sql, columns)``, ``("exec", sql, params)``, ``("fields", first_id, fields, n)`` (a
chunk's fields, packed here: see :mod:`storage.importers.packed_fields`) and ``("text",
first_id, titles, messages)``, then ``("end", index_ddl)``. On stdout: ``("done",)`` once
the side database is complete and closed, or ``("error", text)``. It starts on the
standard library alone, in a few tens of milliseconds; the field packer (numpy, pandas) is
imported with the first fields, the search summary's writer at the end.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
import traceback

HASH_BYTES = 16 << 20
"""FTS5 ``hashsize`` while building: terms flush in a few large segments, not many 1 MB
ones (the synthetic generator measured ~15 % less work). Removed from the index's config at
the end: a build setting, not part of the case."""


class _Side:
    def __init__(self, path: str, tables: list[str], fts_ddl: str | None,
                 fts_table: str) -> None:
        self.con = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "page_size=8192"):
            self.con.execute(f"PRAGMA {pragma}")
        self.con.execute("BEGIN")
        for ddl in tables:
            self.con.execute(ddl)
        self.fts_table = fts_table if fts_ddl else None
        if fts_ddl:
            self.con.execute(fts_ddl)
            self.con.execute(f"INSERT INTO {fts_table}({fts_table}, rank) "
                             f"VALUES ('hashsize', {HASH_BYTES})")
            self._text_sql = (f"INSERT INTO {fts_table}(rowid, title, message) "
                              "VALUES (?, ?, ?)")

    def text(self, first: int, titles: list[object], messages: list[object]) -> None:
        if self.fts_table is None:
            raise ValueError("text sent to a helper without a text index")
        self.con.executemany(self._text_sql, zip(range(first, first + len(titles)), titles,
                                                 messages, strict=True))

    def fields(self, first: int, fields: dict[str, object], n: int) -> None:
        from storage.importers.packed_fields import write_fields  # numpy, pandas: once here

        write_fields(self.con, first, fields, n)  # type: ignore[arg-type]

    def finish(self, index_ddl: list[str]) -> None:
        if self.fts_table is not None:
            from storage.case.search_terms import write_search_terms

            self.con.execute(f"DELETE FROM {self.fts_table}_config WHERE k = 'hashsize'")
            write_search_terms(self.con)
        for ddl in index_ddl:
            self.con.execute(ddl)
        self.con.execute("COMMIT")
        self.con.close()


def serve(stdin: object, stdout: object) -> int:
    """Follow the protocol until ``end``; 0 when the side database is complete."""
    side: _Side | None = None
    try:
        while True:
            try:
                message = pickle.load(stdin)  # type: ignore[arg-type]
            except EOFError:
                return 1  # the import stopped (cancelled, refused): nothing to finish
            tag = message[0]
            if tag == "open":
                side = _Side(*message[1:])
            elif tag == "rows" and side is not None:
                side.con.executemany(message[1], zip(*message[2], strict=True))
            elif tag == "exec" and side is not None:
                side.con.execute(message[1], message[2])
            elif tag == "fields" and side is not None:
                side.fields(*message[1:])
            elif tag == "text" and side is not None:
                side.text(*message[1:])
            elif tag == "end" and side is not None:
                side.finish(message[1])
                side = None
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
        if side is not None:
            side.con.close()


if __name__ == "__main__":
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))

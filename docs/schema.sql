-- Filature case format 1.2: the complete schema of a case file (SQLite 3.9 or later, FTS5).
--
--   sqlite3 my.filature < docs/schema.sql      (on a new, empty file)
--
-- then insert your rows and check the result with `python main.py info my.filature`.
-- case_info needs at least format_version ('1.2'), title and time_zone (an IANA zone name,
-- e.g. 'Europe/Paris'). Times are INTEGER microseconds since 1970-01-01T00:00:00 UTC;
-- NULL means "not set". Columns, vocabularies and rules: docs/case-format.md.
--
-- The statements are the code's own (storage/case/schema.py through storage/case/writer.py,
-- storage/case/fts.py, storage/case/search_terms.py); tests/test_schema_sql.py checks that this file
-- creates exactly what Filature's writers create. Comments sit between statements only:
-- SQLite keeps a statement's text, comments included, in sqlite_schema.

-- File header. page_size only takes effect before the first table is created.
PRAGMA page_size = 8192;
-- "FIL1" (0x46494C31): informative, a case without it opens as well.
PRAGMA application_id = 1179208753;
-- PRAGMA user_version is not used by cases (it stays 0): the version is
-- case_info.format_version. Keep the default journal_mode (DELETE), not WAL, so that a
-- read-only viewer needs no -wal/-shm file beside the evidence.

-- Tables, in dependency order. Every one up to shipment_leg must exist (possibly empty); the
-- format 1.2 tables after it are optional (Filature's writers always create them).

-- Key/value facts: format_version, title, time_zone (required), reference,
-- classification, description, created_at, generator.
CREATE TABLE case_info (
    "key" TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY ("key")
);

-- Sealed evidence ("scellés"): every record from evidence cites one.
CREATE TABLE exhibit (
    id INTEGER NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT,
    acquired_at INTEGER,
    acquired_by TEXT,
    sha256 TEXT,
    path TEXT,
    notes TEXT,
    PRIMARY KEY (id),
    UNIQUE (label)
);

-- A point on the map, with the precision it is known to.
CREATE TABLE place (
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lat REAL,
    lon REAL,
    precision TEXT NOT NULL,
    country_code TEXT,
    third_party INTEGER DEFAULT '0' NOT NULL,
    PRIMARY KEY (id)
);

-- Where accounts live and messages travel (Snapchat, Signal, a market, a carrier).
CREATE TABLE platform (
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
);

-- A person or organisation as the investigation knows it.
CREATE TABLE actor (
    id INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    notes TEXT,
    exhibit_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- Accounts, pseudonyms, phone numbers, e-mails, wallets, IBANs, IPs.
-- third_party = 1: belongs to an uninvolved person (masked in exports).
CREATE TABLE identifier (
    id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    platform_id INTEGER,
    third_party INTEGER DEFAULT '0' NOT NULL,
    exhibit_id INTEGER,
    notes TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(platform_id) REFERENCES platform (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- Why an identifier is linked to an actor (one identifier, several actors).
CREATE TABLE attribution (
    id INTEGER NOT NULL,
    identifier_id INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    kind TEXT DEFAULT 'uses' NOT NULL,
    confidence REAL,
    justification TEXT,
    exhibit_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(identifier_id) REFERENCES identifier (id),
    FOREIGN KEY(actor_id) REFERENCES actor (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- A link between two actors: "from is KIND to" (supplier_of, works_for...).
CREATE TABLE relation (
    id INTEGER NOT NULL,
    from_actor_id INTEGER NOT NULL,
    to_actor_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    confidence REAL,
    justification TEXT,
    exhibit_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(from_actor_id) REFERENCES actor (id),
    FOREIGN KEY(to_actor_id) REFERENCES actor (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- A parcel or consignment: declared versus real content, outcome.
CREATE TABLE shipment (
    id INTEGER NOT NULL,
    carrier TEXT,
    tracking_number TEXT,
    sender_actor_id INTEGER,
    recipient_actor_id INTEGER,
    sender_name TEXT,
    recipient_name TEXT,
    weight_g REAL,
    declared_content TEXT,
    real_content TEXT,
    status TEXT NOT NULL,
    exhibit_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(sender_actor_id) REFERENCES actor (id),
    FOREIGN KEY(recipient_actor_id) REFERENCES actor (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- The timeline. ts: best estimate (µs UTC); ts_min/ts_max: bounds of a vague time;
-- end_ts: end of an interval; ts_raw/ts_zone: the time as the source wrote it.
CREATE TABLE event (
    id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    precision TEXT DEFAULT 'second' NOT NULL,
    ts_min INTEGER,
    ts_max INTEGER,
    end_ts INTEGER,
    ts_raw TEXT,
    ts_zone TEXT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    message TEXT,
    actor_id INTEGER,
    counterpart_id INTEGER,
    identifier_id INTEGER,
    platform_id INTEGER,
    place_id INTEGER,
    shipment_id INTEGER,
    amount REAL,
    currency TEXT,
    product TEXT,
    quantity REAL,
    unit TEXT,
    exhibit_id INTEGER,
    source_record TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(actor_id) REFERENCES actor (id),
    FOREIGN KEY(counterpart_id) REFERENCES actor (id),
    FOREIGN KEY(identifier_id) REFERENCES identifier (id),
    FOREIGN KEY(platform_id) REFERENCES platform (id),
    FOREIGN KEY(place_id) REFERENCES place (id),
    FOREIGN KEY(shipment_id) REFERENCES shipment (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- One hop of a shipment; seq 1, 2, ... unique per shipment.
CREATE TABLE shipment_leg (
    id INTEGER NOT NULL,
    shipment_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    from_place_id INTEGER,
    to_place_id INTEGER,
    departed_ts INTEGER,
    arrived_ts INTEGER,
    exhibit_id INTEGER,
    PRIMARY KEY (id),
    UNIQUE (shipment_id, seq),
    FOREIGN KEY(shipment_id) REFERENCES shipment (id),
    FOREIGN KEY(from_place_id) REFERENCES place (id),
    FOREIGN KEY(to_place_id) REFERENCES place (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- Format 1.2, written by imports: a field of an imported row with no column of its own
-- (Plaso's data_type, a Timesketch column such as filename), as the text the source held.
CREATE TABLE event_attribute (
    event_id INTEGER NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (event_id),
    FOREIGN KEY(event_id) REFERENCES event (id)
);

-- Format 1.2: a tag the source gave an event (Timesketch's tag); evidence, not a note.
CREATE TABLE event_tag (
    id INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(event_id) REFERENCES event (id)
);

-- Format 1.2: how an imported event's time was read, when it needed saying (bits; see
-- docs/case-format.md).
CREATE TABLE event_time_flag (
    event_id INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    PRIMARY KEY (event_id),
    FOREIGN KEY(event_id) REFERENCES event (id)
);

-- Format 1.2: one imported file (also an exhibit): how it was read, what came of it.
CREATE TABLE import_file (
    id INTEGER NOT NULL,
    exhibit_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    encoding TEXT,
    time_zone TEXT,
    profile TEXT,
    imported_at INTEGER NOT NULL,
    events INTEGER NOT NULL,
    rows_skipped INTEGER NOT NULL,
    blank_records INTEGER DEFAULT '0' NOT NULL,
    notes TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(exhibit_id) REFERENCES exhibit (id)
);

-- Format 1.2: a row of an imported file that was skipped, or imported with a caveat.
CREATE TABLE import_log (
    id INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    line INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(import_id) REFERENCES import_file (id)
);

-- Indices. Filature's writers build them after the bulk load (faster at millions of
-- rows); for a hand-made case creating them first is fine.
CREATE INDEX ix_identifier_value ON identifier (value);
CREATE INDEX ix_attribution_actor ON attribution (actor_id);
CREATE INDEX ix_attribution_identifier ON attribution (identifier_id);
CREATE INDEX ix_relation_from ON relation (from_actor_id);
CREATE INDEX ix_event_actor_ts ON event (actor_id, ts);
CREATE INDEX ix_event_kind_ts ON event (kind, ts);
CREATE INDEX ix_event_shipment ON event (shipment_id) WHERE shipment_id IS NOT NULL;
CREATE INDEX ix_event_ts ON event (ts);
CREATE INDEX ix_shipment_leg_departed ON shipment_leg (departed_ts);
CREATE INDEX ix_import_log_file ON import_log (import_id, line);
CREATE INDEX ix_event_tag_event ON event_tag (event_id);

-- Optional, once your rows are in: remove the leading "-- " of the statements below and run
-- them (Filature's writers do this in storage.case.writer.finish_case_file).
--
-- Full-text index over event.title and event.message (external content: the text stays in
-- event). Only 'rebuild' fills it: it does not follow inserts into event, so create and
-- rebuild it after the events are in (rebuild again after adding some). Without it, text
-- search scans the events instead.
-- CREATE VIRTUAL TABLE event_fts USING fts5(title, message, content='event', content_rowid='id', columnsize=0, tokenize='unicode61 remove_diacritics 2');
-- INSERT INTO event_fts(event_fts) VALUES ('rebuild');
--
-- Summary of event_fts for frequent words (format 1.1), filled from the index by
-- storage.case.search_terms.write_search_terms. Leave it out of hand-made cases: searches trust
-- it, so an empty or stale one finds nothing.
-- CREATE TABLE search_term (term TEXT NOT NULL PRIMARY KEY, docs INTEGER NOT NULL, first_id INTEGER, bits BLOB) WITHOUT ROWID;
--
-- Statistics for the query planner (sqlite_stat1).
-- ANALYZE;

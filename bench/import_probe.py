"""One measurement of ``bench/import.py`` per process, and the spreadsheet file it reads.

    python bench/import_probe.py MODE --kind KIND --path FILE [--fts on|off] [--out DIR]
                                 [--cprofile STATS]

``MODE`` is ``import`` (``build_case`` writing a real case file into ``--out``, removed once
its size is known), ``pandas-whole`` (``pd.read_csv(path, dtype=str, keep_default_na=False)``
of the whole file: the user's one-liner, which writes nothing) or ``pandas-chunks`` (the same
read in chunks of the importer's chunk size: the floor of a bounded read). One measurement a
process, because VmHWM (peak RSS, from ``/proc/self/status``) belongs to the process:
``baseline_mb`` is VmRSS after the imports and before the file is opened. The result is one
JSON line on stdout, ``{"error": ...}`` included when the measurement failed.

``write_listings`` synthesizes the spreadsheet-profile file: the columns of a 2017 Dark-net
market scrape of cocaine listings (an unnamed row-index column, 15 listing and vendor fields,
then 48 ``ships_to_XX``/``ships_from_XX`` TRUE/FALSE columns), one vendor per 500 rows
(2,000 at 10^6) with a market share drawn from a gamma law, prices in BTC, titles with
punctuation, quotes, commas and non-ASCII marks (★, ♛, ❄, emoji, accented words), CRLF line
ends as the scrape has. Deterministic (seed 2017); written once into the bench's folder and
reused, never in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PROFILE = REPO / "docs" / "profiles" / "dream-market-listings.json"
PROFILE_MODULE = REPO / "storage" / "importers" / "profile.py"
LISTINGS_VERSION = 1  # bump when the generator changes: cached files carry it in their name
ROWS_PER_VENDOR = 500
MARKET = "http://lchudifyeqm4ldjj.onion"
COUNTRIES = ("US", "NL", "FR", "GB", "CA", "DE", "AU", "EU", "ES", "N. America", "BE", "WW",
             "SI", "IT", "DK", "S. America", "CH", "BR", "CZ", "SE", "CO", "CN", "PL", "GR")
HEADER = ("", "product_title", "ships_from_to", "grams", "quality", "btc_price",
          "cost_per_gram", "cost_per_gram_pure", "escrow", "product_link", "vendor_link",
          "vendor_name", "successful_transactions", "rating", "ships_from", "ships_to",
          *(f"ships_{way}_{c}" for c in COUNTRIES for way in ("to", "from")))
ORIGINS = {"NL": 33.0, "DE": 25.0, "GB": 17.0, "US": 7.5, "EU": 5.0, "FR": 4.7, "AU": 2.7,
           "BE": 1.7, "CA": 1.3, "WW": 1.0, "ES": 0.7, "IT": 0.5, "BR": 0.3, "CZ": 0.1,
           "SE": 0.1, "CH": 0.1, "CN": 0.1}
GRAMS = {"1": 196, "5": 152, "2": 116, "10": 106, "0.5": 88, "7": 79, "50": 69, "3.5": 68,
         "14": 66, "28": 62, "3": 58, "100": 58, "20": 49, "25": 49, "500": 27, "1000": 26,
         "250": 26, "4": 24, "15": 20, "2.5": 17, "56": 14, "0.2": 13, "0.25": 12, "1.5": 11}
QUALITY = (90, 92, 89, 84, 93, 88, 94, 87, 91, 95, 85, 86, 80, 70, 75, 82, 96, 99)
WORDS = ("chemist", "snow", "white", "candy", "medics", "amsterdam", "berlin", "london",
         "express", "direct", "pharma", "kartel", "colombia", "peru", "flake", "crystal", "king",
         "queen", "lab", "shop", "store", "dutch", "euro", "pure", "uncut", "tony", "pablo",
         "narco", "coco", "nose", "ice", "frost", "blizzard", "alpine", "north", "rocket", "sky",
         "high", "golden", "royal", "premium", "trust", "fast", "stealth", "discreet", "molly")
TITLES = ("{g}G COLOMBIAN COCAINE {q}% UNCUT ★ {tag}",
          "!!! {g}GR PERUVIAN FLAKE {q}% !!! {tag}",
          "** {g} Gram {q}% Pure Bolivian Cocaine **",
          "{g}g Cocaïne {q}% ❄ Premium Quality ❄",
          "[{o}] {g}G FISHSCALE COKE {q}%+ ➜ TRACKED, {tag}",
          '{g} G ♛ COCAINE "HIGH GRADE" {q}% ♛',
          "{g}g - Kokain {q}% rein, Qualität aus Peru",
          "NEW: {g}gr Cocaine {q}%, free shipping 🔥",
          "{g}G UNCUT COLOMBIAN ROCKS {q}% / LAB TESTED",
          "(SAMPLE) {g}g cocaine {q}% – stealth & escrow")
TAGS = ("SAMPLE", "INTRO OFFER", "BEST PRICE", "ESCROW", "TOP QUALITY", "[UK2WW]", "FE ONLY")
TITLE_CHARS = 50  # the scrape cut titles at 50 characters


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def profile_missing() -> str | None:
    """Why the spreadsheet-profile import cannot run in this tree, or None when it can."""
    from dataclasses import fields

    from storage.importers.case_build import Source

    if not PROFILE_MODULE.is_file():
        return f"{PROFILE_MODULE.relative_to(REPO)} is not in this tree yet"
    if not PROFILE.is_file():
        return f"{PROFILE.relative_to(REPO)} is not in this tree yet"
    if "profile" not in {f.name for f in fields(Source)}:
        return "storage.importers.case_build.Source has no 'profile' field yet"
    return None


def _quoted(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _number(x: float) -> str:
    return f"{x:.10g}"


def _vendor_names(rng: np.random.Generator, count: int) -> list[str]:
    """Unique handles in the styles markets show: ``thebestchemist``, ``Sky-High``, ``KING_420``."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        a, b = rng.choice(len(WORDS), 2, replace=False)
        words = [WORDS[a], WORDS[b]]
        if rng.random() < 0.2:
            words.insert(0, "the")
        style = int(rng.integers(4))
        words = [w.title() for w in words] if style == 1 else words
        words = [w.upper() for w in words] if style == 2 else words
        name = ("", "-", "_", "")[int(rng.integers(4))].join(words)
        if rng.random() < 0.3:
            name += str(rng.choice([2015, 2016, 420, 88, 24, 7, 1]))
        if name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def _ships_to(rng: np.random.Generator, origin: str) -> list[str]:
    """Destinations, several a vendor (``WW, EU``), the origin itself among them often."""
    local = {"US": ["N. America", "WW"], "AU": ["AU", "NZ"], "GB": ["GB", "IE"],
             "EU": ["EU", "ASIA"]}.get(origin, [origin, "EU"])
    options = (["WW"], ["EU"], ["WW", "EU"], ["EU", "WW"], [origin], [origin, "WW"],
               ["WW", origin], ["EU", origin], local)
    weights = np.array([36, 17, 7, 5, 9, 6, 3, 2, 5], dtype=float)
    return list(options[int(rng.choice(len(options), p=weights / weights.sum()))])


def write_listings(rows: int, folder: Path) -> Path:
    """Write (once) a market-scrape CSV of ``rows`` listings; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"listings-v{LISTINGS_VERSION}-{rows}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(2017)
    n_vendors = max(20, rows // ROWS_PER_VENDOR)
    names = _vendor_names(rng, n_vendors)
    origin_names = list(ORIGINS)
    origin_p = np.array(list(ORIGINS.values())) / sum(ORIGINS.values())
    sft: list[str] = []  # per vendor: the fields every listing of theirs repeats, as CSV
    escrow: list[str] = []
    tails: list[str] = []
    origins: list[str] = []
    templates: list[str] = []
    gram_styles: list[int] = []
    for name in names:
        origin = origin_names[int(rng.choice(len(origin_names), p=origin_p))]
        to = _ships_to(rng, origin)
        flags = []
        for c in COUNTRIES:
            flags += ["TRUE" if c in to else "FALSE", "TRUE" if c == origin else "FALSE"]
        rating = f"{min(5.0, 4.5 + rng.beta(5, 1) * 0.52):.2f}".rstrip("0").rstrip(".")
        sales = max(1, int(round(rng.lognormal(5.0, 1.1), -1)))
        tail = [f"{MARKET}/contactMember?member={name}", name, str(sales), rating, origin,
                ", ".join(to), *flags]
        sft.append(_quoted(f"{origin}  → {', '.join(to)}"))
        escrow.append("1" if rng.random() < 0.75 else "0")
        tails.append(",".join(_quoted(t) for t in tail))
        origins.append(origin)
        templates.append(TITLES[int(rng.integers(len(TITLES)))])
        gram_styles.append(int(rng.integers(3)))  # 0.5 / 0,5 / .5
    share = rng.gamma(2.0, 1.0, n_vendors)
    vendor = rng.choice(n_vendors, rows, p=share / share.sum())
    vendor_quality = rng.choice(QUALITY, n_vendors)
    vendor_ppg = rng.lognormal(np.log(0.03), 0.3, n_vendors)
    gram_text = list(GRAMS)
    gram_p = np.array(list(GRAMS.values()), dtype=float)
    g_idx = rng.choice(len(gram_text), rows, p=gram_p / gram_p.sum())
    grams = np.array([float(g) for g in gram_text])[g_idx]
    quality = vendor_quality[vendor] + np.where(rng.random(rows) < 0.1,
                                                rng.integers(-2, 3, rows), 0)
    quality = np.clip(quality, 50, 100)
    cpg = vendor_ppg[vendor] * grams ** -0.08 * rng.uniform(0.97, 1.03, rows)
    btc = np.array([float(f"{x:.4g}") for x in (cpg * grams).tolist()])
    index = np.cumsum(rng.integers(1, 4, rows)) + 9
    offer = rng.integers(100_000, 1_000_000, rows)
    offer_frac = rng.integers(0, 1_000_000, rows)
    tags = rng.integers(len(TAGS), size=rows)
    part = path.with_name(path.name + f".{os.getpid()}.part")
    with part.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\r\n")
        for start in range(0, rows, 100_000):
            lines = []
            for i in range(start, min(rows, start + 100_000)):
                v = int(vendor[i])
                g = gram_text[g_idx[i]]
                shown = g.replace(".", ",") if gram_styles[v] == 1 else g
                shown = shown[1:] if gram_styles[v] == 2 and shown.startswith("0.") else shown
                q = int(quality[i])
                title = templates[v].format(g=shown, q=q, tag=TAGS[tags[i]], o=origins[v])
                lines.append(
                    f"{index[i]},{_quoted(title[:TITLE_CHARS])},{sft[v]},{g},{q},"
                    f"{_number(btc[i])},{_number(btc[i] / grams[i])},"
                    f"{_number(btc[i] / grams[i] / (q / 100))},{escrow[v]},"
                    f"{MARKET}/viewProduct?offer={offer[i]}.{offer_frac[i]:06d},{tails[v]}\r\n")
            f.writelines(lines)
    part.replace(path)
    return path


def _import(kind: str, path: Path, fts: bool, out_dir: Path) -> dict[str, object]:
    """``build_case`` as ``main.py import`` calls it by default (only --tz UTC added)."""
    from storage.importers.case_build import BadRowPolicy, Source, build_case

    source = Source(path, profile=PROFILE) if kind == "profile" else Source(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"bench-{kind}-{os.getpid()}.filature"
    baseline = _status("VmRSS")
    t0 = time.perf_counter()
    try:
        report = build_case([source], out, zone="UTC", fold="range",
                            bad_rows=BadRowPolicy.REJECT, overwrite=True, fts=fts)
        seconds = time.perf_counter() - t0
        case_mb = round(out.stat().st_size / 2**20, 1)
        result: dict[str, object] = {
            "rows": report.events, "skipped": report.skipped, "seconds": round(seconds, 3),
            "build_case_seconds": round(report.seconds, 3),
            "rows_per_s": round(report.events / seconds), "baseline_mb": baseline,
            "peak_mb": _status("VmHWM"), "held_mb": round(_status("VmHWM") - baseline, 1),
            # the import's helper process (storage/importers/side_worker.py), waited for:
            # its peak RSS (ru_maxrss is in KiB on Linux)
            "helper_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                                    / 1024, 1),
            "case_mb": case_mb}
        if fts:  # measured after the import's own figures, on the case it wrote
            result["sqlite_floor"] = _sqlite_floor(out)
    finally:
        out.unlink(missing_ok=True)
    return result


def _sqlite_floor(case: Path) -> dict[str, float]:
    """What SQLite alone takes for two of the import's steps, on the case just written.

    The text index rebuilt from the same titles and messages (FTS5's tokenizing, with the
    build setting the import uses) and the ``event`` indices built again: work any import
    of these rows into this case format must do, whatever reads the file. The case is
    thrown away after, so it is changed in place.
    """
    import sqlite3

    from storage.case.fts import FTS_REBUILD, FTS_TABLE
    from storage.case.writer import index_ddl
    from storage.importers.side_worker import HASH_BYTES

    con = sqlite3.connect(case, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("BEGIN")
        con.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('hashsize', {HASH_BYTES})")
        t0 = time.perf_counter()
        con.execute(FTS_REBUILD)
        fts_s = time.perf_counter() - t0
        ddl = index_ddl(["event"])
        for statement in ddl:
            con.execute(f"DROP INDEX {statement.split()[2]}")
        t0 = time.perf_counter()
        for statement in ddl:
            con.execute(statement)
        index_s = time.perf_counter() - t0
        con.execute("COMMIT")
    finally:
        con.close()
    return {"fts_rebuild_s": round(fts_s, 3), "event_indices_s": round(index_s, 3)}


def _bare(mode: str, path: Path) -> dict[str, object]:
    """The bare pandas read: whole, or in the importer's chunks with nothing kept."""
    import pandas as pd

    from storage.importers.sources import DEFAULT_CHUNK_ROWS

    baseline = _status("VmRSS")
    t0 = time.perf_counter()
    if mode == "pandas-whole":
        rows = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    else:
        rows = sum(len(frame) for frame in pd.read_csv(
            path, dtype=str, keep_default_na=False, chunksize=DEFAULT_CHUNK_ROWS))
    seconds = time.perf_counter() - t0
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds),
            "chunk_rows": None if mode == "pandas-whole" else DEFAULT_CHUNK_ROWS,
            "baseline_mb": baseline, "peak_mb": _status("VmHWM"),
            "held_mb": round(_status("VmHWM") - baseline, 1)}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=("import", "pandas-whole", "pandas-chunks"))
    p.add_argument("--kind", choices=("timesketch", "profile"), required=True)
    p.add_argument("--path", type=Path, required=True)
    p.add_argument("--fts", choices=("on", "off"), default="on")
    p.add_argument("--out", type=Path, default=Path("/tmp/filature-import/cases"),
                   help="folder the case is written to (and removed from)")
    p.add_argument("--cprofile", type=Path, help="also write cProfile stats of the run here")
    args = p.parse_args(argv)
    result: dict[str, object] = {"mode": args.mode, "kind": args.kind, "file": args.path.name}
    if args.mode == "import":
        result["fts"] = args.fts == "on"
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        if args.mode == "import":
            result |= _import(args.kind, args.path, args.fts == "on", args.out)
        else:
            result |= _bare(args.mode, args.path)
    except Exception as exc:  # reported in the JSON: a failed probe is a finding, not a crash
        result["error"] = f"{type(exc).__name__}: {exc}"[:2000]
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(args.cprofile))
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

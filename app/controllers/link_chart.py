"""The selected actor's network out to two hops, laid out the same way every time.

Edges are the case's relations and the identifiers two actors share (attributed to both, or
on both their events). The layout is networkx's spring layout with a fixed seed, the
selected actor pinned at the centre and nodes added in id order, so the same case gives the
same picture in every run (it goes into court exhibits). Big neighbourhoods are cut to the
most active actors of each hop, and the chart says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import networkx as nx
import numpy as np

from widgets.cards.link_chart import ChartEdge, ChartNode
from widgets.labels import vocab_label

if TYPE_CHECKING:
    from collections.abc import Mapping

    from storage.reads.actors import ActorDirectory, RelationTable

MAX_NODES = 80
SEED = 20_241_202
ITERATIONS = 60
"""Spring-layout steps: 80 nodes settle in about 50; 200 took 75 ms, holding the GIL
while the card that was clicked waited to be shown."""


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Activity(Protocol):
    """Events per actor id (``ActorFigures`` answers it from its arrays)."""

    def get(self, actor_id: int, default: int = 0, /) -> int: ...


@dataclass(frozen=True, eq=False)
class LinkIndex:
    """Who is linked to whom in the whole case, built once (the charts then only walk it).

    Adjacency is two sorted numpy columns (an actor, a neighbour), both ways: 84,000 actors
    cost a few MB, where sets and formatted labels per pair cost a hundred. Labels are
    written for the 80 nodes of a chart when it is drawn.
    """

    directory: ActorDirectory
    relations: RelationTable
    activity: Activity
    shared_pairs: dict[tuple[int, int], list[int]]  # pair -> identifiers both use
    ends: np.ndarray
    others: np.ndarray

    def neighbours(self, actor_id: int) -> np.ndarray:
        lo = int(np.searchsorted(self.ends, actor_id, side="left"))
        hi = int(np.searchsorted(self.ends, actor_id, side="right"))
        return self.others[lo:hi]


def link_index(directory: ActorDirectory, relations: RelationTable,
               shared: Mapping[int, tuple[int, ...]], activity: Activity) -> LinkIndex:
    """Relations and shared identifiers of every actor (vectorised; ~50 ms at 10⁷ events)."""
    loop = relations.from_ids == relations.to_ids
    a = [relations.from_ids[~loop], relations.to_ids[~loop]]
    b = [relations.to_ids[~loop], relations.from_ids[~loop]]
    shared_pairs: dict[tuple[int, int], list[int]] = defaultdict(list)
    for ident, actors in sorted(shared.items()):
        # A star, not a clique: a wallet twelve customers paid links each of them to the
        # most active holder (the seller, usually), which is what an analyst reads into it.
        hub = min(actors, key=lambda x: (-activity.get(x, 0), x))
        for other in actors:
            if other != hub:
                shared_pairs[(min(hub, other), max(hub, other))].append(ident)
    if shared_pairs:
        pairs = np.asarray(sorted(shared_pairs), dtype=np.int64)
        a += [pairs[:, 0], pairs[:, 1]]
        b += [pairs[:, 1], pairs[:, 0]]
    ends, others = np.concatenate(a), np.concatenate(b)
    order = np.lexsort((others, ends))
    return LinkIndex(directory, relations, activity, dict(shared_pairs), ends[order],
                     others[order])


def network(actor_id: int, index: LinkIndex) -> tuple[list[ChartNode], list[ChartEdge], str]:
    """Nodes (placed), edges and a note for the chart of ``actor_id``."""
    directory, activity = index.directory, index.activity
    hop = {actor_id: 0}
    note = ""
    frontier = [actor_id]
    for depth in (1, 2):
        near = {int(n) for f in frontier for n in index.neighbours(f).tolist()}
        found = sorted((n for n in near if n not in hop), key=lambda n: (-activity.get(n, 0), n))
        room = MAX_NODES - len(hop)
        if len(found) > room:
            note = (f"the {len(found) - room:,} least active actors {depth} hop"
                    f"{'s' if depth > 1 else ''} away are left out")
            found = found[:max(room, 0)]
        for n in found:
            hop[n] = depth
        frontier = found
    kept = sorted({(a, int(b)) for a in hop for b in index.neighbours(a).tolist()
                   if int(b) in hop and a < int(b)})
    graph = nx.Graph()
    graph.add_nodes_from(sorted(hop))
    graph.add_edges_from(kept)
    if len(hop) == 1:
        pos = {actor_id: (0.0, 0.0)}
    else:
        pos = nx.spring_layout(graph, seed=SEED, iterations=ITERATIONS, pos={actor_id: (0.0, 0.0)},
                               fixed=[actor_id], k=2.5 / max(len(hop), 1) ** 0.5)
    reach = max((max(abs(float(x)), abs(float(y))) for x, y in pos.values()), default=1.0)
    reach = reach or 1.0  # scaled into -1..1 around the selected actor
    nodes = [ChartNode(a, _short(directory.name_of(a)),
                       directory.role_of(a) if directory.index(a) is not None else "unknown",
                       float(pos[a][0]) / reach, float(pos[a][1]) / reach, hop[a])
             for a in sorted(hop)]
    return nodes, _edges(index, hop, kept), note


def _edges(index: LinkIndex, hop: dict[int, int], kept: list[tuple[int, int]]
           ) -> list[ChartEdge]:
    """Every kept edge with each reason it is there: relations in id order, then identifiers.

    The relations among the chart's nodes are found once (a head has thousands: looking
    them up per edge cost a quarter of a second).
    """
    rel, name_of = index.relations, index.directory.name_of
    members = np.asarray(sorted(hop), dtype=np.int64)
    rows = np.unique(np.concatenate([rel.rows_of(a) for a in hop] or [np.empty(0, np.int64)]))
    frm, to = rel.from_ids[rows], rel.to_ids[rows]
    inside = np.isin(frm, members) & np.isin(to, members) & (frm != to)
    lines: dict[tuple[int, int], list[str]] = defaultdict(list)
    best: dict[tuple[int, int], float] = {}
    for r, a, b in zip(rows[inside].tolist(), frm[inside].tolist(), to[inside].tolist(),
                       strict=True):
        key = (min(a, b), max(a, b))
        conf = float(rel.confidence[r])
        stated = not np.isnan(conf)
        lines[key].append(f"{name_of(a)} {vocab_label(rel.kinds[r])} {name_of(b)}"
                          + (f", {conf:.0%}" if stated else ""))
        if stated:
            best[key] = max(best.get(key, conf), conf)
    out = []
    for key in kept:
        shared = index.shared_pairs.get(key, [])
        both = [f"both use {_value(index, i)}" for i in shared]
        out.append(ChartEdge(key[0], key[1], "\n".join([*lines.get(key, []), *both]),
                             shared=bool(shared) and not lines.get(key),
                             confidence=best.get(key)))
    return out


def _value(index: LinkIndex, identifier_id: int) -> str:
    value = index.directory.value_of(identifier_id)
    return value if value is not None else f"identifier {identifier_id}"

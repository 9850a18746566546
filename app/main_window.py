"""The main window: menus, the case pages, docks, status bar; wiring views to the session.

Only this module and ``app/controllers`` connect views to app state. Views never hold the
session; they get plain data and report intent through ``sig_*_requested`` signals.

Layout: the timeline with the filter bar above it is the central page; the event table is
docked below; the inspector and the case overview share the right dock area as tabs (a
selection brings the inspector forward, a newly opened case the overview). Every dock can be
moved and closed (View menu), and the arrangement is saved with the window geometry.

The window is also the small scripting surface (``visible_range``/``set_visible_range``,
``select``, ``sig_visible_range_changed``, ``sig_ready``) that tests, benchmarks and the
command line's deep links (``--range``, ``--select``) drive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.controllers.annotations import Annotations
from app.controllers.cards import CardsController
from app.controllers.case_events import CaseEvents
from app.controllers.filter_bar import FilterBarController
from app.controllers.importing import ImportController
from app.controllers.inspector import InspectorController
from app.controllers.map import MapController
from app.controllers.map_play import PlayController
from app.controllers.record_links import RecordLinks
from app.controllers.table import TableController
from app.controllers.timeline import TimelineController
from app.controllers.value_checks import ValueChecksController
from app.deep_link import DeepLink, DeepLinkError
from app.memory import tune_allocator
from app.session import CaseSession, FileHash
from app.settings import Settings
from app.state import AppState, EntityRef, TimeWindow
from widgets.cards import ActorCardView, ActorGallery
from widgets.cards.link_chart import LinkChartView
from widgets.case_overview import CaseOverviewView
from widgets.event_table import EventTableView
from widgets.filter_bar import FilterBar
from widgets.inspector import InspectorView
from widgets.map.panel import MapPanel
from widgets.message_page import MessagePage
from widgets.plain_text import set_plain
from widgets.timeline import TimelineView

if TYPE_CHECKING:
    from app.workers import Runner
    from storage.notes.store import NotesStore
    from storage.reads.overview import CaseOverview

_RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
_BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


@dataclass(frozen=True, slots=True)
class DockSpec:
    """One dock of the window: a new view plugs in by adding a spec (and its controller)."""

    title: str
    name: str  # object name: the key of the saved layout
    widget: QWidget
    area: Qt.DockWidgetArea
    tab_with: str | None = None  # share the area with this dock, as tabs
    below: str | None = None  # split this dock's place, and go under it
    beside: str | None = None  # split this dock's place, and go to its right
    width: int = 0
    height: int = 0


CASE_FILTER = "Filature cases (*.filature *.sqlite *.sqlite3 *.db);;All files (*)"


class MainWindow(QMainWindow):
    """One window, one case at a time.

    Signals
    -------
    sig_ready()
        The case is open, its events are in every view, its hash is known and any deep link
        has been followed: what ``--screenshot`` waits for.
    sig_visible_range_changed(object)
        ``(start_us, end_us)`` UTC whenever the timeline's visible range changes.
    sig_deep_link_failed(str)
        A ``--range``/``--select`` could not be followed (the message says why).
    """

    sig_ready = Signal()
    sig_visible_range_changed = Signal(object)
    sig_deep_link_failed = Signal(str)

    def __init__(
        self, runner: Runner, *, settings: Settings | None = None, persist: bool = True,
        notes_store: NotesStore | None = None,
    ) -> None:
        """``persist=False`` (screenshots) leaves recent files and the saved layout alone.

        ``notes_store``: the user's notes (opened in the user's data folder when first
        needed, if not given).
        """
        super().__init__()
        tune_allocator()  # before any case is loaded: see app/memory.py
        self._persist = persist
        self.setWindowTitle("Filature")
        self.setObjectName("FilatureMainWindow")
        self.resize(1500, 950)
        self._settings = settings or Settings()
        self.state = AppState(self)
        self.session = CaseSession(runner, self, state=self.state)
        self._link = DeepLink()
        self._session_ready = False
        self._ready_sent = False

        self._pages = QStackedWidget()
        self.message_page = MessagePage()
        self.filter_bar = FilterBar()
        self.timeline = TimelineView()
        evidence_page = QWidget()
        column = QVBoxLayout(evidence_page)
        column.setContentsMargins(4, 4, 4, 0)
        column.addWidget(self.filter_bar)
        column.addWidget(self.timeline, 1)
        self._evidence_page = evidence_page
        self._pages.addWidget(self.message_page)
        self._pages.addWidget(evidence_page)
        self.setCentralWidget(self._pages)

        self.overview_view = CaseOverviewView()
        self.table = EventTableView()
        self.inspector = InspectorView()
        self.gallery = ActorGallery()
        self.card = ActorCardView()
        self.link_chart = LinkChartView()
        self.map_panel = MapPanel()
        self.map_view = self.map_panel.view
        overview_scroll = QScrollArea()
        overview_scroll.setWidget(self.overview_view)
        overview_scroll.setWidgetResizable(True)
        overview_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.docks: dict[str, QDockWidget] = {}
        for spec in (
            DockSpec("Actors", "ActorsDock", self.gallery, _RIGHT, width=440, height=260),
            DockSpec("Inspector", "InspectorDock", self.inspector, _RIGHT, below="ActorsDock"),
            DockSpec("Case", "CaseDock", overview_scroll, _RIGHT, tab_with="InspectorDock"),
            DockSpec("Card", "CardDock", self.card, _RIGHT, tab_with="InspectorDock"),
            DockSpec("Events", "EventsDock", self.table, _BOTTOM, height=280),
            DockSpec("Map", "MapDock", self.map_panel, _BOTTOM, beside="EventsDock", width=560),
            DockSpec("Links", "LinksDock", self.link_chart, _BOTTOM, tab_with="EventsDock"),
        ):
            self._add_dock(spec)
        self.inspector_dock = self.docks["InspectorDock"]
        self.case_dock = self.docks["CaseDock"]
        self.table_dock = self.docks["EventsDock"]
        self.card_dock = self.docks["CardDock"]
        # a card behind another tab is built when its tab comes to the front
        self.card_dock.visibilityChanged.connect(self.card.set_front)
        self.actors_dock = self.docks["ActorsDock"]
        self.links_dock = self.docks["LinksDock"]
        self.map_dock = self.docks["MapDock"]
        self.table_dock.raise_()  # the events first; the link chart is the other tab
        # the table keeps most of the bottom row; the map beside it
        self.resizeDocks([self.table_dock, self.map_dock], [880, 600], Qt.Orientation.Horizontal)

        # The case's events and the links of records: shared by every view's controller.
        self.evidence = CaseEvents(self.state, self.session, runner)
        self.links = RecordLinks(self.session, runner, self.evidence)
        self.annotations = Annotations(self.session, notes_store)
        self.evidence.set_tag_lookup(self.annotations.tagged)
        shared = (self.state, self.session, self.evidence, self.links, runner)
        self.filter_bar_controller = FilterBarController(self.filter_bar, self.state,
                                                         self.evidence, self.annotations)
        self.inspector_controller = InspectorController(self.inspector, *shared,
                                                        annotations=self.annotations)
        self.controllers = [
            TimelineController(self.timeline, *shared, annotations=self.annotations),
            TableController(self.table, *shared, annotations=self.annotations),
            self.inspector_controller,
            self.filter_bar_controller,
        ]
        self.cards = CardsController(self.gallery, self.card, self.link_chart, self.state,
                                     self.session, self.evidence, runner, self.annotations)
        self.map = MapController(self.map_view, self.state, self.session, self.evidence, runner,
                                 record_tiles=self.annotations.record_tile_pack)
        self.inspector_controller.set_place_notes(self.map.place_note)
        self.map.sig_map_shown.connect(self._on_map_shown)
        self.play = PlayController(self.map_view, self.map_panel.play, self.state, self.session,
                                   self.evidence)
        for view in (self.timeline, self.table, self.card):
            view.sig_annotate_requested.connect(self._on_annotate_requested)
        self.annotations.sig_failed.connect(lambda line: set_plain(self._status_case, line))
        self.value_checks = ValueChecksController(self.session, runner, self.overview_view)
        self.importer = ImportController(runner, self, lambda path: self.open_case(path),
                                         self._open_case_path)

        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._restore_layout()

    # -- the scripting surface --------------------------------------------------------------
    def visible_range(self) -> tuple[int, int] | None:
        """The timeline's visible range in UTC microseconds, or None when no case is shown."""
        if self.session.source is None:
            return None
        return self.timeline.visible_range()

    def set_visible_range(self, start_us: int, end_us: int) -> None:
        """Show ``[start_us, end_us)`` in the timeline (every linked view follows)."""
        if end_us <= start_us:
            raise ValueError("the end of a range must come after its start")
        self.timeline.show_range(int(start_us), int(end_us))
        self.state.set_view_window(TimeWindow(*self.timeline.visible_range()))

    def select(self, ref: EntityRef | None) -> None:
        """Select one record (an event, an actor, a shipment…) in every view; None clears."""
        self.state.set_selection(frozenset() if ref is None else frozenset({ref}))

    def selection(self) -> frozenset[EntityRef]:
        """What is selected now."""
        return self.state.selection

    @property
    def is_ready(self) -> bool:
        """Whether ``sig_ready`` has been sent for the open case."""
        return self._ready_sent

    def _add_dock(self, spec: DockSpec) -> QDockWidget:
        """Add one dock as its spec says: the one place docks are made (View menu too)."""
        dock = QDockWidget(spec.title, self)
        dock.setObjectName(spec.name)  # saveState() keys the layout by object name
        dock.setWidget(spec.widget)
        self.addDockWidget(spec.area, dock)
        if spec.below is not None:
            self.splitDockWidget(self.docks[spec.below], dock, Qt.Orientation.Vertical)
        if spec.beside is not None:
            self.splitDockWidget(self.docks[spec.beside], dock, Qt.Orientation.Horizontal)
        if spec.tab_with is not None:
            self.tabifyDockWidget(self.docks[spec.tab_with], dock)
        if spec.width:
            self.resizeDocks([dock], [spec.width], Qt.Orientation.Horizontal)
        if spec.height:
            self.resizeDocks([dock], [spec.height], Qt.Orientation.Vertical)
        self.docks[spec.name] = dock
        return dock

    # -- construction -----------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self._status_case = QLabel()
        self._status_case.setTextFormat(Qt.TextFormat.PlainText)
        self._status_hash = QLabel()
        self._status_hash.setTextFormat(Qt.TextFormat.PlainText)
        self._status_progress = QProgressBar()
        self._status_progress.setMaximumWidth(180)
        self._status_progress.setRange(0, 1000)
        self._status_progress.hide()
        bar.addWidget(self._status_case, 1)
        bar.addPermanentWidget(self._status_hash)
        bar.addPermanentWidget(self._status_progress)
        set_plain(self._status_case, "No case open")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.action_open = QAction("&Open…", self, shortcut=QKeySequence.StandardKey.Open)
        self.action_open.triggered.connect(self._on_open_triggered)
        file_menu.addAction(self.action_open)
        self.recent_menu = QMenu("Open &Recent", self)
        file_menu.addMenu(self.recent_menu)
        self.action_demo = QAction("Open &Demo Case", self)
        self.action_demo.triggered.connect(self.open_demo)
        file_menu.addAction(self.action_demo)
        self.action_import = QAction("&New Case from Files…", self)
        self.action_import.setStatusTip("Build a new case from Timesketch or Plaso timelines")
        self.action_import.triggered.connect(self.importer.ask)
        file_menu.addAction(self.action_import)
        self.action_close = QAction("&Close Case", self, shortcut=QKeySequence.StandardKey.Close)
        self.action_close.triggered.connect(self.session.close)
        file_menu.addAction(self.action_close)
        file_menu.addSeparator()
        self.action_tiles = QAction("Add Offline Map &Tiles…", self)
        self.action_tiles.setStatusTip("Draw a raster MBTiles file under the map's vectors")
        self.action_tiles.triggered.connect(self._on_add_tiles_triggered)
        file_menu.addAction(self.action_tiles)
        file_menu.addSeparator()
        self.action_quit = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        self.action_quit.triggered.connect(self.close)
        file_menu.addAction(self.action_quit)
        self.view_menu = self.menuBar().addMenu("&View")
        self.action_fullscreen = QAction(
            "&Full Screen", self, shortcut=QKeySequence.StandardKey.FullScreen, checkable=True
        )
        self.action_fullscreen.toggled.connect(self._on_fullscreen_toggled)
        self.view_menu.addAction(self.action_fullscreen)
        self.action_fit = QAction("Show &Whole Case", self, shortcut=QKeySequence("Ctrl+0"))
        self.action_fit.triggered.connect(self.timeline.fit_all)
        self.view_menu.addAction(self.action_fit)
        self.action_hide_empty = QAction("&Hide Empty Lanes", self, checkable=True)
        self.action_hide_empty.setToolTip("Leave out the timeline's lanes that have no event in "
                                          "the visible range")
        self.action_hide_empty.setChecked(self._settings.hide_empty_lanes())
        self.timeline.set_hide_empty_lanes(self.action_hide_empty.isChecked())
        self.action_hide_empty.toggled.connect(self._on_hide_empty_toggled)
        self.view_menu.addAction(self.action_hide_empty)
        self.view_menu.addSeparator()
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        from app.help_pages import show_shortcuts, tr

        help_menu = self.menuBar().addMenu(tr("&Help"))
        self.action_shortcuts = QAction(tr("&Keyboard Shortcuts"), self)
        self.action_shortcuts.triggered.connect(lambda: show_shortcuts(self))
        help_menu.addAction(self.action_shortcuts)
        self.action_about = QAction(tr("&About Filature"), self)
        self.action_about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(self.action_about)
        self._rebuild_recent_menu(self._settings.recent_cases())

    def _connect(self) -> None:
        self.importer.sig_message.connect(lambda line: set_plain(self._status_case, line))
        s = self.session
        s.sig_loading.connect(self._on_session_loading)
        s.sig_opened.connect(self._on_session_opened)
        s.sig_failed.connect(self._on_session_failed)
        s.sig_closed.connect(self._on_session_closed)
        s.sig_hash_progress.connect(self._on_session_hash_progress)
        s.sig_hash_done.connect(self._on_session_hash_done)
        s.sig_hash_failed.connect(self._on_session_hash_failed)
        s.sig_ready.connect(self._on_session_ready)
        self.evidence.sig_loaded.connect(self._on_evidence_loaded)
        self.value_checks.sig_done.connect(self._maybe_ready)
        self.cards.sig_cards_shown.connect(self._maybe_ready)
        self.cards.sig_card_shown.connect(lambda _actor: self._maybe_ready())
        self.cards.sig_chart_shown.connect(lambda _actor: self._maybe_ready())
        self.map.sig_map_shown.connect(self._maybe_ready)
        self.inspector_controller.sig_shown.connect(self._maybe_ready)
        self.map.sig_settled.connect(self._maybe_ready)
        self.evidence.sig_failed.connect(self._on_evidence_failed)
        self.state.sig_view_window_changed.connect(self._on_state_view_window_changed)
        self.state.sig_selection_changed.connect(self._on_state_selection_changed)
        self.message_page.sig_open_requested.connect(self._on_open_triggered)
        self.message_page.sig_cancel_requested.connect(s.cancel)

    def _restore_layout(self) -> None:
        if not self._persist:
            return
        geometry, state = self._settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    # -- commands ---------------------------------------------------------------------------
    def open_case(self, target: str | Path, link: DeepLink | None = None) -> None:
        """Open a case file or URL (replacing the open one) and remember it.

        ``link`` is followed once the case is open: a range to show, a record to select.
        """
        target = str(target)
        if self._persist and ("://" not in target or target.startswith("sqlite:")):
            # A server URL (refused for now) may carry a password: never kept in settings.
            self._rebuild_recent_menu(self._settings.add_recent_case(target))
        self._link = link or DeepLink()
        self.session.open(target)

    def open_demo(self, link: DeepLink | None = None) -> None:
        """Open the bundled demo case, generating it on first use (off the UI thread)."""
        from app.demo import demo_case_path, ensure_demo_case  # the generator: only for the demo

        self._link = link or DeepLink()
        self.session.open(demo_case_path(), prepare=ensure_demo_case)

    # -- session → views --------------------------------------------------------------------
    def _on_session_loading(self, what: str, step: str, fraction: float) -> None:
        self._session_ready = False
        self._ready_sent = False
        self.message_page.show_loading(what, step, fraction)
        self._pages.setCurrentWidget(self.message_page)
        self._show_progress(fraction)
        set_plain(self._status_case, f"Opening {what}… {step}")

    def _on_session_opened(self, overview: CaseOverview) -> None:
        source = self.session.source
        assert source is not None
        shown = str(source.path) if source.path is not None else source.display_name
        self.overview_view.show_overview(overview, source=shown, warnings=source.warnings)
        self.overview_view.show_hash_progress(0.0)  # the session hashes the case from now on
        self._pages.setCurrentWidget(self._evidence_page)
        self.case_dock.raise_()
        self._status_progress.hide()
        events = overview.counts.get("event", 0)
        set_plain(self._status_case, f"{overview.title} — {events:,} events — read-only")
        self.setWindowTitle(f"{overview.title} — Filature")
        self._follow_link(overview.time_zone)

    def _follow_link(self, zone: str) -> None:
        """Apply ``--range``/``--select`` to the fresh state (the views follow as data comes)."""
        link, self._link = self._link, DeepLink()
        try:
            if link.range is not None:
                start, end = link.range.resolve(zone)
                self.timeline.show_range(start, end)
                self.state.set_view_window(TimeWindow(start, end))
            if link.time_selection is not None:
                start, end = link.time_selection.resolve(zone)
                if link.range is None:  # the selection, with room either side
                    pad = max((end - start) // 4, 1)
                    self.timeline.show_range(start - pad, end + pad)
                    self.state.set_view_window(TimeWindow(start - pad, end + pad))
                self.state.set_time_selection(TimeWindow(start, end))
            if link.select is not None:
                if not self.evidence.ref_exists(link.select):
                    raise DeepLinkError(f"--select {link.select}: no such record in this case")
                self.select(link.select)
        except DeepLinkError as exc:
            set_plain(self._status_case, str(exc))
            self.sig_deep_link_failed.emit(str(exc))

    def _on_session_ready(self) -> None:
        self._session_ready = True
        self._maybe_ready()

    def _on_evidence_loaded(self) -> None:
        self.value_checks.start()  # after the views: the first picture never waits for it
        self._maybe_ready()

    def _on_evidence_failed(self, line: str, _code: int) -> None:
        set_plain(self._status_case, line)

    def _on_map_shown(self) -> None:
        """A selected place gets the map's word on where it stands (known only now)."""
        selection = self.state.selection
        if any(ref.kind == "place" for ref in selection):
            self.inspector_controller.show(selection)

    def _maybe_ready(self) -> None:
        if (self._session_ready and self.evidence.loaded and self.value_checks.done
                and self.cards.settled and self.map.settled
                and self.inspector_controller.settled and not self._ready_sent):
            self._ready_sent = True
            self.sig_ready.emit()

    def _on_state_selection_changed(self, refs: frozenset[EntityRef]) -> None:
        if not refs:
            return
        # An actor's (or an identifier's) card says more than its row; the rest shows in
        # the inspector.
        about_actor = len(refs) == 1 and next(iter(refs)).kind in ("actor", "identifier")
        (self.card_dock if about_actor else self.inspector_dock).raise_()

    def _on_state_view_window_changed(self, window: TimeWindow | None) -> None:
        if window is not None:
            self.sig_visible_range_changed.emit((window.start, window.end))

    def _on_session_failed(self, heading: str, message: str) -> None:
        self._link = DeepLink()
        self.message_page.show_error(heading, message)
        self._pages.setCurrentWidget(self.message_page)
        self._status_progress.hide()
        set_plain(self._status_case, message)
        self.setWindowTitle("Filature")

    def _on_session_closed(self) -> None:
        self.message_page.show_idle()
        self._pages.setCurrentWidget(self.message_page)
        set_plain(self._status_case, "No case open")
        set_plain(self._status_hash, "")
        self.setWindowTitle("Filature")

    def _on_session_hash_progress(self, fraction: float) -> None:
        self.overview_view.show_hash_progress(fraction)
        set_plain(self._status_hash, f"SHA-256: computing… {fraction:.0%}")
        self._show_progress(fraction)

    def _on_session_hash_done(self, hashes: tuple[FileHash, ...]) -> None:
        self._status_progress.hide()
        if not hashes:
            self.overview_view.show_hash("not applicable (case on a server)")
            set_plain(self._status_hash, "")
            return
        main = hashes[0].sha256
        lines = [main] + [f"{h.path.name}: {h.sha256}" for h in hashes[1:]]
        self.overview_view.show_hash("\n".join(lines))
        set_plain(self._status_hash, f"SHA-256 {main[:16]}…")
        self.filter_bar_controller.refresh_tags()  # the user's tags are keyed by this hash

    def _on_session_hash_failed(self, message: str) -> None:
        self._status_progress.hide()
        self.overview_view.show_hash(message)
        set_plain(self._status_hash, "SHA-256 unavailable")

    # -- user input -------------------------------------------------------------------------
    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a case", "", CASE_FILTER)
        if path:
            self.open_case(path)

    def _open_case_path(self) -> Path | None:
        """The file of the case open for viewing (an import never writes it)."""
        target = self.session.target
        if not target or ("://" in target and not target.startswith("sqlite:")):
            return None
        return Path(target.removeprefix("sqlite:///")) if "://" in target else Path(target)

    def _on_add_tiles_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add offline map tiles", "",
                                              "MBTiles (*.mbtiles);;All files (*)")
        if path:
            self.map_dock.show()
            self.map_dock.raise_()
            self.map.add_tile_pack(path)

    def _on_annotate_requested(self, kind: str, ident: int, what: str) -> None:
        """Ask for a tag or a note on a record and keep it in the user's notes store."""
        notes = self.annotations
        if not notes.available:
            set_plain(self._status_case, notes.why_not())
            return
        ref = EntityRef(kind, int(ident))  # type: ignore[arg-type]
        if what == "tag":
            tag, ok = QInputDialog.getText(self, "Tag", f"Tag for {ref} (kept in your notes, "
                                           "never in the case):")
            if ok and tag.strip():
                notes.add_tag(ref, tag)
        else:
            text, ok = QInputDialog.getMultiLineText(self, "Note", f"Note on {ref} (kept in "
                                                     "your notes, never in the case):")
            if ok and text.strip():
                notes.add_note(ref, text)

    def _on_hide_empty_toggled(self, on: bool) -> None:
        self.timeline.set_hide_empty_lanes(on)
        if self._persist:
            self._settings.set_hide_empty_lanes(on)

    def _on_fullscreen_toggled(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def _on_recent_triggered(self, target: str) -> None:
        self.open_case(target)

    def _on_about_triggered(self) -> None:
        from app.help_pages import show_about

        show_about(self)  # versions and folders in use; window-modal, does not block

    # -- helpers ----------------------------------------------------------------------------
    def _rebuild_recent_menu(self, items: list[str]) -> None:
        self.recent_menu.clear()
        for target in items:
            action = self.recent_menu.addAction(target.replace("&", "&&"))
            action.triggered.connect(lambda _=False, t=target: self._on_recent_triggered(t))
        if items:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent")
            clear.triggered.connect(self._on_clear_recent_triggered)
        self.recent_menu.setEnabled(bool(items))

    def _on_clear_recent_triggered(self) -> None:
        self._settings.clear_recent_cases()
        self._rebuild_recent_menu([])

    def _show_progress(self, fraction: float) -> None:
        bar = self._status_progress
        if fraction < 0:
            bar.setRange(0, 0)
        else:
            bar.setRange(0, 1000)
            bar.setValue(int(min(1.0, fraction) * 1000))
        bar.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout, close the case (removing any working copy), then close."""
        if self._persist:
            self._settings.save_window_state(self.saveGeometry(), self.saveState())
        self.session.close()
        super().closeEvent(event)


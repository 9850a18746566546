"""The case timeline: lanes of events over a calendar axis, from years down to seconds.

Public API: :class:`TimelineView` (the widget), :class:`TimelineData` and :class:`Lane` (the
plain data a controller hands it). Everything else in this package is an implementation
detail; :mod:`widgets.timeline.binning` and :mod:`widgets.timeline.calendar_ticks` are pure
(numpy / zoneinfo) and tested without Qt.
"""

from widgets.timeline.data import Lane, TimelineData
from widgets.timeline.view import TimelineView

__all__ = ["Lane", "TimelineData", "TimelineView"]

"""Reads of an open case for the views.

Event columns into numpy, the small indexed reads of a click, one record of any kind, the
overview, the value checks, the column cache.
"""

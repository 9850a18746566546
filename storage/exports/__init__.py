"""Exports of an opened case to the files other tools read (issue #19).

They read through a read-only connection from :func:`storage.case.opener.open_case`, never
write the case, and write each output to a hidden file moved into place when complete.
"""

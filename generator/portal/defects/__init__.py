"""Fixes from case to release (issue 19): a case's type, the defect that cases share (a reference such as
the engineering tracker's key, a summary customers may read, the version that will carry the fix), and the
release that ships it to the customers waiting on it.

model.py holds the words, store.py the queries, actions.py what agents do (a case's type and defect, a
defect's version, shipping it), publish.py publishing a release, texts.py what customers are told, views.py
the console's pages and report.py the figures."""

from .actions import Defects, Shipped, may_act_on_defects
from .model import CASE_TYPES, DEFECT_STATUSES, FIXED_TYPES, DefectNotFound
from .publish import Published, notes_url, publish_release

__all__ = [
    "CASE_TYPES",
    "DEFECT_STATUSES",
    "FIXED_TYPES",
    "DefectNotFound",
    "Defects",
    "Published",
    "Shipped",
    "may_act_on_defects",
    "notes_url",
    "publish_release",
]

# mypy: disallow-untyped-calls=False
"""pyHanko's difference analysis as docflow runs it.

pyHanko's default policy lets a form field's appearance stream be rewritten in place. Its
check for that yields every appearance stream made before the signed revision as an update
not allowed under a FieldMDP lock, even when nothing touched it (it compares the stream's
last change with the signed revision instead of the later one): a document whose locked
fields already carried appearances (an agency's own form) would fail after any later
revision, the agency's seal included. docflow refuses in-place appearance rewrites
altogether (a changed appearance must be a new stream, which the document rules in
``signing.validation._rules`` then judge), so the false alarm goes and nothing real is
let through.
"""

from __future__ import annotations

from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, StandardDiffPolicy
from pyhanko.sign.diff_analysis.form_rules_api import FormUpdatingRule
from pyhanko.sign.diff_analysis.rules.form_field_rules import (
    GenericFieldModificationRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
)

__all__ = ["DOCFLOW_DIFF_POLICY"]

DOCFLOW_DIFF_POLICY = StandardDiffPolicy(
    global_rules=list(DEFAULT_DIFF_POLICY.global_rules),
    form_rule=FormUpdatingRule(
        field_rules=[
            SigFieldCreationRule(),
            SigFieldModificationRule(allow_in_place_appearance_stream_changes=False),
            GenericFieldModificationRule(allow_in_place_appearance_stream_changes=False),
        ],
    ),
)

"""Status codes 04 and 05 take the meaning real systems give them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:00:00

Until this revision docflow used 04 for "accepted, awaiting assignment" (recorded right
after 03 when a clerk accepted) and 05 for "assigned". From now on, as in the edXML
exchange: 03 accepted and entered in the incoming register, 04 the leader assigned it
for handling, 05 the assignee is handling it, 06 handling finished.

Only the current state moves, so that each transfer keeps what it meant:
``transfer.status`` and ``transfer.status_before_recall`` (where a refused recall
resumes) map 04 → 03 (accepted, not assigned) and 05 → 04 (assigned). Status events
(``transfer_event``, each signed by the emitting agency's seal) and audit events are
evidence and are NOT rewritten: those recorded before this revision keep the old codes,
and ``docflow.transfers.statuses.event_meaning`` labels them with their old meaning
(an old 04 has no assignment details, an old 05 has them).

Downgrade maps back 03 → 04, 04 → 05 and leaves 05 (being handled: old "assigned / in
progress"); a transfer that was only accepted under the new rules (03) reads as awaiting
assignment again, which is what it was called then.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Current-state columns of ``transfer`` holding a status code.
COLUMNS = ('status', 'status_before_recall')
UPGRADE = {'04': '03', '05': '04'}
DOWNGRADE = {'03': '04', '04': '05'}


def _remap(mapping: dict[str, str]) -> None:
    # One UPDATE per column with a CASE: every row moves once (04 → 03 and 05 → 04 in
    # the same statement never chain 05 → 04 → 03).
    for column in COLUMNS:
        cases = ' '.join(f"WHEN '{old}' THEN '{new}'" for old, new in mapping.items())
        olds = ', '.join(f"'{old}'" for old in mapping)
        op.execute(
            sa.text(
                f'UPDATE transfer SET {column} = CASE {column} {cases} END '
                f'WHERE {column} IN ({olds})'
            )
        )


def upgrade() -> None:
    _remap(UPGRADE)


def downgrade() -> None:
    _remap(DOWNGRADE)

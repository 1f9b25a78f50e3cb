"""The operations dashboard: per-agency figures of documents issued, received, handled
on time and overdue, delivery failures and signature verdicts (read side only: no
tables of its own)."""

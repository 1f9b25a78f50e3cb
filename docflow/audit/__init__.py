"""The audit trail read side: chain verification, checkpoints, reports, evidence bundles."""

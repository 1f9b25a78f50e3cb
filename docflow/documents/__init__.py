"""Outgoing documents: drafts, approvals, signatures, issuance, numbering, registers, versions."""

"""The docflow command: one module per command group."""

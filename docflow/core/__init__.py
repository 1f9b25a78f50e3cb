"""The shared kernel: database and unit of work, errors, log, the audit append, ports."""

"""HTTP plumbing every feature's controllers share: errors, limits, headers, dependencies."""

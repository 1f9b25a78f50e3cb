"""Use-case services: the rules of agencies, users, sign-in and certificates.

Framework-free (no Litestar): HTTP handlers, the CLI and tests call the same functions
with an ``AsyncSession`` and, where someone acts, a ``docflow.permissions.Principal``.
Modules by feature: ``agencies``, ``users``, ``auth``, ``certificates``; input shapes
in ``inputs``.
"""

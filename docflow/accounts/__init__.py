"""Agencies, departments, people, roles, sign-in, sessions, personal certificates, permissions."""

"""Delivery between agencies: inbox, statuses, recall, incoming register, incoming stamp."""

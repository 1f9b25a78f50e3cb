"""docflow: signed official documents between Vietnamese state agencies."""

__version__ = "0.1.0"

"""HTTP layer: one module per feature, each exporting its route handlers or controllers.

``ROUTE_HANDLERS`` is what ``create_app`` mounts; a new feature adds its module here.
"""

from docflow.api.health import health

ROUTE_HANDLERS: list[object] = [health]

__all__ = ["ROUTE_HANDLERS"]

"""What the search does in the background: index a document
(``docflow.documents.jobs.IndexForSearch``). Idempotent: it rewrites the row."""

from __future__ import annotations

from collections.abc import Mapping

from docflow.core.jobs.runner import Handler
from docflow.core.jobs.types import Job
from docflow.core.runtime import Runtime
from docflow.documents.jobs import IndexForSearch
from docflow.search.index import index_document

__all__ = ["HANDLERS"]


async def index_for_search(runtime: Runtime, job: IndexForSearch) -> None:
    await index_document(runtime, job.document_id)


HANDLERS: Mapping[type[Job], Handler] = {IndexForSearch: index_for_search}

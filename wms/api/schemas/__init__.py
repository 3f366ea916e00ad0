"""Request and response bodies of the HTTP API, one module per context (``inventory``, ``batches``,
``allocation``, ``orders``, ``picking``, ``shipping``, ``events``). Request bodies are mostly the commands
of each context; the shapes every context shares stay with their machinery: ``Page`` in
``wms.api.pagination``, ``ErrorBody`` in ``wms.api.errors``. The class names are the names of the OpenAPI
document's schemas: keep them unique and unchanged."""

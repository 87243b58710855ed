"""The JSON API under /api/v1 (docs/api.md): its own FastAPI app, mounted by portal/app.py, so
it has its own OpenAPI document and answers errors as problem details, not pages."""

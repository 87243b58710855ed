"""Makes the API test fixtures (defined in api_support) visible to the tests here."""

from api_support import (  # noqa: F401
    api_database_url,
    api_pg_url,
    api_sqlite_template,
    receiver,
    served,
)
